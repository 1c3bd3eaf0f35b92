import type { RoomRecord } from '../../schemas/rooms';
import { DomainError } from '../errors';
import { roomNotFound } from './get-room';
import type { RoomDeps } from './ports';

/**
 * Brings a soft-deleted room back within its retention window, taking a live-room slot again
 * (409 ROOM_LIMIT_REACHED when none is free). Past the window the room counts as purged: 404,
 * whether or not the purge has physically run yet. Restoring a live room changes nothing and
 * answers the room (a retried restore succeeds). Sessions that the delete ended stay ended.
 */
export async function restoreRoom(
  deps: Pick<RoomDeps, 'rooms' | 'clock' | 'policy'>,
  userId: string,
  roomId: string,
): Promise<RoomRecord> {
  const now = deps.clock.now();
  const room = await deps.rooms.find(userId, roomId);
  if (!room) throw roomNotFound();
  if (!room.is_deleted) return room;
  if (!room.purge_after || room.purge_after <= now.toISOString()) throw roomNotFound();

  const outcome = await deps.rooms.restore(userId, room, { now, maxLiveRooms: deps.policy.maxLiveRooms });
  switch (outcome) {
    case 'restored':
      return { ...room, is_deleted: false, deleted_at: null, purge_after: null };
    case 'not-found':
      throw roomNotFound();
    case 'room-limit':
      throw new DomainError(
        'ROOM_LIMIT_REACHED',
        `You have reached the limit of ${deps.policy.maxLiveRooms} rooms. Delete a room to restore this one.`,
      );
    case 'contention':
      throw new DomainError('CONFLICT', 'Too many concurrent changes to your rooms; retry.', {
        retryAfterSeconds: 1,
      });
  }
}
