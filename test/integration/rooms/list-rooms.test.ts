import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createRoomHandler } from '../../../functions/rooms/create-room';
import { handler as listChatRoomsHandler } from '../../../functions/rooms/list-chat-rooms';
import { handler as listRoomsHandler } from '../../../functions/rooms/list-rooms';
import { ManualClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { deleteRoom } from '../../../shared/domain/rooms/delete-room';
import type { RoomSortField, SortOrder } from '../../../shared/schemas/rooms';
import { invoke } from '../../support/api-event';
import { newUser, roomDeps, seedMessages, touchRoom, userItems } from '../../support/rooms-fixtures';

interface ListedRoom {
  room_id: string;
  room_name: string;
  created_at: string;
  last_activity: string;
}

const list = (sub: string, query: Record<string, string>) =>
  invoke(listRoomsHandler, { path: '/api/rooms', sub, query });

/** The order the API promises: by the field (names case-insensitively), ties by room id. */
function expectedOrder(rooms: readonly ListedRoom[], sortBy: RoomSortField, order: SortOrder): string[] {
  const value = (room: ListedRoom) => (sortBy === 'room_name' ? room.room_name.toLowerCase() : room[sortBy]);
  const sorted = [...rooms].sort((a, b) =>
    value(a) < value(b)
      ? -1
      : value(a) > value(b)
        ? 1
        : a.room_id < b.room_id
          ? -1
          : a.room_id > b.room_id
            ? 1
            : 0,
  );
  return (order === 'asc' ? sorted : sorted.reverse()).map((room) => room.room_id);
}

describe('GET /api/rooms pagination', () => {
  const alice = newUser('alice');
  let rooms: ListedRoom[] = [];

  beforeAll(async () => {
    // 23 rooms: names that differ only in case, a name that is a prefix of another, and rooms
    // created in the same millisecond (ties), with last_activity in another order again.
    const clock = new ManualClock('2026-02-01T08:00:00.000Z');
    const deps = roomDeps(clock);
    const names = [
      'Blood pressure',
      'Blood',
      'alpha',
      'Alpha',
      'beta',
      'Zeta',
      'zeta',
      'Diet',
      'Sleep',
      'Meds',
    ];
    for (let i = 0; i < 23; i++) {
      if (i % 4 !== 0) clock.advance(1000);
      await createRoom(deps, { userId: alice, body: { room_name: names[i % names.length] ?? 'x' } });
    }
    const created = await list(alice, { limit: '100', sort_by: 'created_at', order: 'asc' });
    for (const [index, room] of (created.body.data.rooms as ListedRoom[]).entries()) {
      const minute = (index * 7) % 11; // repeats: ties in last_activity too
      await touchRoom(alice, room.room_id, `2026-02-02T09:${String(minute).padStart(2, '0')}:00.000Z`);
    }
    rooms = (await list(alice, { limit: '100' })).body.data.rooms;
  });

  const orders: [RoomSortField, SortOrder][] = [
    ['last_activity', 'desc'],
    ['last_activity', 'asc'],
    ['created_at', 'desc'],
    ['created_at', 'asc'],
    ['room_name', 'desc'],
    ['room_name', 'asc'],
  ];

  it.each(orders)('walks every room exactly once by %s %s following next_cursor', async (sortBy, order) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await list(alice, {
        limit: '5',
        sort_by: sortBy,
        order,
        ...(cursor ? { cursor } : {}),
      });
      expect(response.status).toBe(200);
      expect(response.body.data.total).toBe(23);
      seen.push(...response.body.data.rooms.map((room: ListedRoom) => room.room_id));
      cursor = response.body.data.next_cursor;
      pages += 1;
    } while (cursor !== null);

    expect(pages).toBe(5);
    expect(seen).toEqual(expectedOrder(rooms, sortBy, order));
  });

  it.each(orders)('walks every room exactly once by %s %s stepping offset', async (sortBy, order) => {
    const seen: string[] = [];
    for (let offset = 0; offset < 23; offset += 5) {
      const response = await list(alice, { limit: '5', offset: String(offset), sort_by: sortBy, order });
      expect(response.body.data).toMatchObject({ total: 23, limit: 5, offset });
      expect(response.body.data.next_cursor === null).toBe(offset + 5 >= 23);
      seen.push(...response.body.data.rooms.map((room: ListedRoom) => room.room_id));
    }

    expect(seen).toEqual(expectedOrder(rooms, sortBy, order));
  });

  it('defaults to 20 rooms by last_activity, newest first', async () => {
    const response = await list(alice, {});

    expect(response.body.data.limit).toBe(20);
    expect(response.body.data.offset).toBe(0);
    expect(response.body.data.rooms.map((room: ListedRoom) => room.room_id)).toEqual(
      expectedOrder(rooms, 'last_activity', 'desc').slice(0, 20),
    );
  });

  it('answers an empty last page with next_cursor null when offset is past the end', async () => {
    const response = await list(alice, { offset: '40' });

    expect(response.body.data).toMatchObject({ rooms: [], total: 23, next_cursor: null });
  });
});

describe('GET /api/rooms input', () => {
  it.each([
    ['limit 0', { limit: '0' }, 'query.limit'],
    ['limit 101', { limit: '101' }, 'query.limit'],
    ['a limit that is not a number', { limit: 'ten' }, 'query.limit'],
    ['a negative offset', { offset: '-1' }, 'query.offset'],
    ['an unknown sort_by', { sort_by: 'size' }, 'query.sort_by'],
    ['an unknown order', { order: 'sideways' }, 'query.order'],
    ['a cursor that is not ours', { cursor: 'bm90LWEtY3Vyc29y' }, 'query.cursor'],
    ['a cursor that is not base64url', { cursor: '%%%' }, 'query.cursor'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_case, query, path) => {
    const response = await list(newUser(), query);

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
  });

  it('answers 400 for a cursor of another user, another sort_by or another order, and for cursor with offset', async () => {
    const clock = new ManualClock();
    const deps = roomDeps(clock);
    const [alice, bob] = [newUser('alice'), newUser('bob')];
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await createRoom(deps, { userId: alice, body: { room_name: `a${i}` } });
      await createRoom(deps, { userId: bob, body: { room_name: `b${i}` } });
    }
    const cursor = (await list(alice, { limit: '1', sort_by: 'created_at', order: 'asc' })).body.data
      .next_cursor;
    const before = await userItems(alice);

    const asBob = await list(bob, { limit: '1', sort_by: 'created_at', order: 'asc', cursor });
    const otherSort = await list(alice, { limit: '1', sort_by: 'room_name', order: 'asc', cursor });
    const otherOrder = await list(alice, { limit: '1', sort_by: 'created_at', order: 'desc', cursor });
    const withOffset = await list(alice, {
      limit: '1',
      sort_by: 'created_at',
      order: 'asc',
      cursor,
      offset: '1',
    });
    const tampered = await list(alice, {
      limit: '1',
      sort_by: 'created_at',
      order: 'asc',
      cursor: `${cursor}x`,
    });

    for (const response of [asBob, otherSort, otherOrder, withOffset, tampered]) {
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect(asBob.body.error.details[0]).toMatchObject({ path: 'query.cursor' });
    expect(withOffset.body.error.details[0]).toMatchObject({ path: 'query.offset' });
    expect(await userItems(alice)).toEqual(before);
  });

  it('rejects unknown query parameters, naming them', async () => {
    const response = await list(newUser(), { sortby: 'created_at' });

    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.error.details)).toContain('sortby');
  });
});

describe('GET /api/rooms content', () => {
  it('lists only live rooms, with last_message_preview, and a user sees only their own', async () => {
    const clock = new ManualClock();
    const deps = roomDeps(clock);
    const [alice, bob] = [newUser('alice'), newUser('bob')];
    const kept = (await createRoom(deps, { userId: alice, body: { room_name: 'kept' } })).room;
    const gone = (await createRoom(deps, { userId: alice, body: { room_name: 'gone' } })).room;
    await createRoom(deps, { userId: bob, body: { room_name: "bob's" } });
    await seedMessages(alice, kept.room_id, [{ created_at: '2026-01-01T00:01:00.000Z' }]);
    await deleteRoom(deps, alice, gone.room_id);

    const response = await list(alice, {});

    expect(response.body.data.total).toBe(1);
    expect(response.body.data.rooms).toEqual([
      expect.objectContaining({ room_id: kept.room_id, message_count: 1, last_message_preview: 'message 0' }),
    ]);
  });

  it('reflects a rename in the room_name order at once', async () => {
    const clock = new ManualClock();
    const deps = roomDeps(clock);
    const alice = newUser('alice');
    const a = (await createRoom(deps, { userId: alice, body: { room_name: 'a' } })).room;
    await createRoom(deps, { userId: alice, body: { room_name: 'b' } });
    await deps.rooms.update(alice, a.room_id, { room_name: 'c' });

    const response = await list(alice, { sort_by: 'room_name', order: 'asc' });

    expect(response.body.data.rooms.map((room: ListedRoom) => room.room_name)).toEqual(['b', 'c']);
  });
});

describe('GET /api/chat/rooms (deprecated alias)', () => {
  it('answers what GET /api/rooms answers, with Deprecation and Link headers', async () => {
    const alice = newUser('alice');
    await invoke(createRoomHandler, { method: 'POST', sub: alice, body: { room_name: 'via alias' } });

    const current = await list(alice, { sort_by: 'room_name' });
    const alias = await invoke(listChatRoomsHandler, {
      path: '/api/chat/rooms',
      sub: alice,
      query: { sort_by: 'room_name' },
    });

    expect(alias.status).toBe(200);
    expect(alias.body).toEqual(current.body);
    expect(alias.headers.deprecation).toMatch(/^@\d+$/);
    expect(alias.headers.link).toBe('</api/rooms>; rel="successor-version"');
    expect(current.headers.deprecation).toBeUndefined();
  });

  it('validates its query as GET /api/rooms does', async () => {
    const response = await invoke(listChatRoomsHandler, { sub: newUser(), query: { limit: '500' } });

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('query.limit');
  });
});
