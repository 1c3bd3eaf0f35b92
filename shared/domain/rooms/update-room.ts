import type { RoomRecord, UpdateRoomBody } from '../../schemas/rooms';
import { roomNotFound } from './get-room';
import type { RoomRepository } from './ports';

/** Renames a live room and/or replaces its metadata (one conditional write). */
export async function updateRoom(
  rooms: RoomRepository,
  userId: string,
  roomId: string,
  body: UpdateRoomBody,
): Promise<RoomRecord> {
  const updated = await rooms.update(userId, roomId, {
    ...(body.room_name !== undefined ? { room_name: body.room_name } : {}),
    ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
  });
  if (!updated) throw roomNotFound();
  return updated;
}
