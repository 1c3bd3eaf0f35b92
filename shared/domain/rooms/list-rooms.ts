import * as z from 'zod';
import { type ListRoomsQuery, type Room, roomSortFields, sortOrders } from '../../schemas/rooms';
import { cursorOwner, decodeCursor, encodeCursor } from '../cursor';
import { DomainError } from '../errors';
import type { RoomRepository } from './ports';
import { toRoomView } from './room-view';

const roomListCursorSchema = z.strictObject({
  v: z.literal(1),
  list: z.literal('rooms'),
  owner: z.string(),
  sort_by: z.enum(roomSortFields),
  order: z.enum(sortOrders),
  after: z.strictObject({
    room_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    sort_key: z.string().min(1).max(512),
  }),
});

export interface RoomListView {
  readonly rooms: Room[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  readonly next_cursor: string | null;
}

/**
 * A page of the user's live rooms, sorted by `sort_by` (ties broken by room id, so every room is
 * on exactly one page), with `total` from the per-user counter. A cursor continues where its page
 * ended and is only valid for the same user, `sort_by` and `order`. `offset` skips rooms (it costs
 * reading them) and cannot be combined with a cursor: one way to say where a page starts.
 */
export async function listRooms(
  rooms: RoomRepository,
  userId: string,
  query: ListRoomsQuery,
): Promise<RoomListView> {
  if (query.cursor !== undefined && query.offset > 0) {
    throw new DomainError('VALIDATION_ERROR', 'Invalid request query.', {
      details: [
        { path: 'query.offset', message: 'cannot be combined with cursor: follow next_cursor alone' },
      ],
    });
  }
  const owner = cursorOwner(userId);
  const cursor = query.cursor === undefined ? undefined : decodeCursor(roomListCursorSchema, query.cursor);
  if (
    cursor &&
    (cursor.owner !== owner || cursor.sort_by !== query.sort_by || cursor.order !== query.order)
  ) {
    throw new DomainError('VALIDATION_ERROR', 'Invalid request query.', {
      details: [
        {
          path: 'query.cursor',
          message: 'invalid cursor: it belongs to another listing (sort_by, order or user)',
        },
      ],
    });
  }

  const [page, total] = await Promise.all([
    rooms.list(userId, {
      sortBy: query.sort_by,
      order: query.order,
      limit: query.limit,
      offset: query.offset,
      after: cursor?.after,
    }),
    rooms.countLive(userId),
  ]);
  const nextCursor = page.next
    ? encodeCursor({
        v: 1,
        list: 'rooms',
        owner,
        sort_by: query.sort_by,
        order: query.order,
        after: page.next,
      })
    : null;
  return {
    rooms: page.rooms.map(toRoomView),
    total,
    limit: query.limit,
    offset: query.offset,
    next_cursor: nextCursor,
  };
}
