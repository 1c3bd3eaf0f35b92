import { DomainError } from '../errors';
import { roomNotFound } from './get-room';
import type { RoomDeps } from './ports';
import { ROOM_RETENTION_MS } from './room-policy';

export interface DeletedRoom {
  readonly room_id: string;
  readonly deleted: true;
  readonly restorable_until: string;
}

/**
 * Soft-deletes a live room: it leaves every listing, frees its slot, ends its sessions and can be
 * restored until `restorable_until`, when the purge deletes it and its messages.
 *
 * The room's live streams are flagged to stop *before* the delete commits: if flagging fails,
 * nothing is deleted and a retried DELETE does the whole job again. (Flagging a room that turns
 * out not to be the caller's flags nothing: the streams table is owner-first too.) A stream that
 * registers after the flagging cannot write into the deleted room: its writes are conditioned on
 * the room being live (docs/architecture.md).
 */
export async function deleteRoom(
  deps: Pick<RoomDeps, 'rooms' | 'streams' | 'clock'>,
  userId: string,
  roomId: string,
): Promise<DeletedRoom> {
  await deps.streams.cancelStreams(userId, { roomId });
  const deletedAt = deps.clock.now();
  const purgeAfter = new Date(deletedAt.getTime() + ROOM_RETENTION_MS);
  const outcome = await deps.rooms.softDelete(userId, roomId, { deletedAt, purgeAfter });
  if (outcome === 'not-found') throw roomNotFound();
  if (outcome === 'contention') {
    throw new DomainError('CONFLICT', 'Too many concurrent changes to your rooms; retry.', {
      retryAfterSeconds: 1,
    });
  }
  return { room_id: roomId, deleted: true, restorable_until: purgeAfter.toISOString() };
}
