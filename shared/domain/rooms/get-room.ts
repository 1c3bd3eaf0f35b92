import type { RoomRecord } from '../../schemas/rooms';
import { DomainError } from '../errors';
import type { RoomRepository } from './ports';
import { isLiveRoom } from './room-policy';

export const roomNotFound = (): DomainError => new DomainError('ROOM_NOT_FOUND', 'Room not found.');

/**
 * The user's live room, or 404 ROOM_NOT_FOUND: for a room that does not exist, that another user
 * owns (keys are owner-first, so it is simply not found) or that is soft-deleted.
 */
export async function findLiveRoom(
  rooms: RoomRepository,
  userId: string,
  roomId: string,
): Promise<RoomRecord> {
  const room = await rooms.find(userId, roomId);
  if (!isLiveRoom(room)) throw roomNotFound();
  return room;
}
