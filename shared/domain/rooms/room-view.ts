import type { Room, RoomRecord } from '../../schemas/rooms';
import type { HistoryWatermarks } from './ports';

export const watermarksOf = (room: RoomRecord): HistoryWatermarks => ({
  all: room.history_cleared_at ?? undefined,
  byAgent: room.agent_history_cleared_at,
});

/** True when a message of `agentType` created at `createdAt` is hidden by a clear-history watermark. */
export function isClearedAway(
  watermarks: HistoryWatermarks,
  createdAt: string,
  agentType: string | undefined,
): boolean {
  if (watermarks.all !== undefined && createdAt <= watermarks.all) return true;
  const agentMark = agentType === undefined ? undefined : watermarks.byAgent[agentType];
  return agentMark !== undefined && createdAt <= agentMark;
}

/**
 * The room as the API shows it. The preview is hidden once the history it came from is cleared
 * (so clearing is immediate for the room list too, with no write to find the new last message).
 */
export function toRoomView(room: RoomRecord): Room {
  const preview = room.last_message_preview ?? null;
  const previewCleared =
    preview !== null &&
    room.last_message_at != null &&
    isClearedAway(watermarksOf(room), room.last_message_at, room.last_message_agent_type ?? undefined);
  return {
    room_id: room.room_id,
    user_id: room.user_id,
    room_name: room.room_name,
    created_at: room.created_at,
    last_activity: room.last_activity,
    message_count: room.message_count,
    metadata: room.metadata,
    is_deleted: room.is_deleted,
    last_message_preview: previewCleared ? null : preview,
  };
}
