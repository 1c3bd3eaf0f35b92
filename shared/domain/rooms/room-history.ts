import * as z from 'zod';
import type { Message } from '../../schemas/messages';
import { type RoomHistoryQuery, sortOrders } from '../../schemas/rooms';
import { cursorOwner, decodeCursor, encodeCursor, invalidCursor } from '../cursor';
import { findLiveRoom } from './get-room';
import type { LapsedStreamFinisher, MessageRepository, RoomRepository } from './ports';
import { watermarksOf } from './room-view';

const historyCursorSchema = z.strictObject({
  v: z.literal(1),
  list: z.literal('history'),
  owner: z.string(),
  room_id: z.string(),
  order: z.enum(sortOrders),
  after: z.strictObject({ sort_key: z.string().min(1).max(512) }),
});

export interface RoomHistoryView {
  readonly room_id: string;
  readonly messages: Message[];
  readonly next_cursor: string | null;
}

/**
 * A page of a live room's stored messages, newest first by default, optionally of one agent.
 * Messages at or before a clear-history watermark are hidden at once, before the background
 * deletion removes them.
 */
export async function roomHistory(
  deps: {
    readonly rooms: RoomRepository;
    readonly messages: MessageRepository;
    /** Streams of the room whose process died are finished from their log before the read. */
    readonly lapsedStreams?: LapsedStreamFinisher;
  },
  userId: string,
  roomId: string,
  query: RoomHistoryQuery,
): Promise<RoomHistoryView> {
  const owner = cursorOwner(userId);
  const cursor = query.cursor === undefined ? undefined : decodeCursor(historyCursorSchema, query.cursor);
  if (cursor && (cursor.owner !== owner || cursor.room_id !== roomId || cursor.order !== query.order)) {
    throw invalidCursor();
  }
  const [room] = await Promise.all([
    findLiveRoom(deps.rooms, userId, roomId),
    deps.lapsedStreams?.finishLapsed(userId, { roomId }),
  ]);
  const page = await deps.messages.page(userId, roomId, {
    order: query.order,
    limit: query.limit,
    agentType: query.agent_type,
    watermarks: watermarksOf(room),
    after: cursor?.after,
  });
  return {
    room_id: roomId,
    messages: [...page.messages],
    next_cursor: page.next
      ? encodeCursor({ v: 1, list: 'history', owner, room_id: roomId, order: query.order, after: page.next })
      : null,
  };
}
