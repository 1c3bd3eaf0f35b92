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
      return afterLostRace(deps, userId, roomId);
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

const retryableConflict = () =>
  new DomainError('CONFLICT', 'The room changed while it was being restored; retry.', {
    retryAfterSeconds: 1,
  });

/**
 * The restore's condition failed after the read saw a deleted room: another request changed it
 * in between. Timeline of ten parallel restores: all ten read "deleted", one commits, nine fail
 * the condition. Those nine must not answer 404 for a room that is live: they read it again and
 * answer it (the restore they wanted happened). A room deleted again in between is a retryable
 * 409; only a room that is gone or past its window is 404.
 */
async function afterLostRace(
  deps: Pick<RoomDeps, 'rooms' | 'clock'>,
  userId: string,
  roomId: string,
): Promise<RoomRecord> {
  const now = await deps.rooms.find(userId, roomId);
  if (!now) throw roomNotFound();
  if (!now.is_deleted) return now;
  if (now.purge_after && now.purge_after > deps.clock.now().toISOString()) throw retryableConflict();
  throw roomNotFound();
}
