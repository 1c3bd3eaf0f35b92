import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as createRoomHandler } from '../../../functions/rooms/create-room';
import { handler as deleteRoomHandler } from '../../../functions/rooms/delete-room';
import { handler as listRoomsHandler } from '../../../functions/rooms/list-rooms';
import { resetConfigForTests } from '../../../shared/config/config';
import { ManualClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { deleteRoom } from '../../../shared/domain/rooms/delete-room';
import { listRooms } from '../../../shared/domain/rooms/list-rooms';
import { invoke } from '../../support/api-event';
import { newUser, roomDeps, userItems, userItemsWithPrefix } from '../../support/rooms-fixtures';

const create = (sub: string, body: unknown, headers: Record<string, string> = {}) =>
  invoke(createRoomHandler, { method: 'POST', path: '/api/rooms', sub, body, headers });

const listAll = (sub: string) =>
  invoke(listRoomsHandler, { path: '/api/rooms', sub, query: { limit: '100' } });

describe('POST /api/rooms', () => {
  it('creates a room: 201 with the Room, a Location header and the name trimmed', async () => {
    const alice = newUser('alice');

    const response = await create(alice, { room_name: '  Blood pressure  ', metadata: { tags: ['bp'] } });

    expect(response.status).toBe(201);
    expect(response.body.data).toEqual({
      room_id: expect.stringMatching(/^room_/),
      user_id: alice,
      room_name: 'Blood pressure',
      created_at: expect.any(String),
      last_activity: response.body.data.created_at,
      message_count: 0,
      metadata: { tags: ['bp'] },
      is_deleted: false,
      last_message_preview: null,
    });
    expect(response.headers.location).toBe(`/api/rooms/${response.body.data.room_id}`);
  });

  it('stores metadata exactly as given, whatever JSON it holds', async () => {
    const alice = newUser('alice');
    const metadata = { '': 'empty key', nested: { deep: [1, 2.5, null, true] }, huge: 1e300 };

    const response = await create(alice, { room_name: 'Exact', metadata });

    expect(response.status).toBe(201);
    expect((await listAll(alice)).body.data.rooms[0].metadata).toEqual(metadata);
  });

  it.each([
    ['an empty name', { room_name: '' }, 'body.room_name'],
    ['a name of spaces only', { room_name: '    ' }, 'body.room_name'],
    ['a name of 101 characters', { room_name: 'x'.repeat(101) }, 'body.room_name'],
    ['a name with a control character', { room_name: 'bad\u0007name' }, 'body.room_name'],
    ['a name that is not a string', { room_name: 42 }, 'body.room_name'],
    ['no name at all', {}, 'body.room_name'],
    ['metadata that is an array', { room_name: 'ok', metadata: [1, 2] }, 'body.metadata'],
    ['metadata over 10 KB', { room_name: 'ok', metadata: { blob: 'x'.repeat(10 * 1024) } }, 'body.metadata'],
  ])(
    'answers 400 VALIDATION_ERROR naming the field for %s, and creates nothing',
    async (_case, body, path) => {
      const alice = newUser('alice');

      const response = await create(alice, body);

      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_ERROR');
      expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
      expect(await userItems(alice)).toEqual([]);
    },
  );

  it('accepts 100 characters after trimming, counting characters rather than UTF-16 units', async () => {
    const alice = newUser('alice');

    const hundredEmoji = await create(alice, { room_name: `  ${'🩺'.repeat(100)}  ` });
    const exactlyTenKb = await create(alice, {
      room_name: 'ten',
      metadata: { blob: 'x'.repeat(10 * 1024 - '{"blob":""}'.length) },
    });

    expect(hundredEmoji.status).toBe(201);
    expect(exactlyTenKb.status).toBe(201);
  });

  it('rejects unknown fields, malformed JSON and a non-JSON body with a 4xx, creating nothing', async () => {
    const alice = newUser('alice');

    const unknownField = await create(alice, { room_name: 'ok', colour: 'red' });
    const malformed = await create(alice, '{"room_name": ');
    const notJson = await invoke(createRoomHandler, {
      method: 'POST',
      sub: alice,
      body: 'room_name=ok',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.body.error.details)).toContain('colour');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_JSON');
    expect(notJson.status).toBe(415);
    expect(await userItems(alice)).toEqual([]);
  });

  it('accepts a user_id equal to the caller and answers 403 FORBIDDEN for another', async () => {
    const alice = newUser('alice');

    const same = await create(alice, { room_name: 'ok', user_id: alice });
    const other = await create(alice, { room_name: 'ok', user_id: 'mallory' });

    expect(same.status).toBe(201);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('FORBIDDEN');
  });
});

describe('the live-room limit (50 per user)', () => {
  it('answers 409 ROOM_LIMIT_REACHED for the 51st room, and deleting one frees exactly one slot', async () => {
    const clock = new ManualClock();
    const deps = roomDeps(clock);
    const alice = newUser('alice');
    const rooms = [];
    for (let i = 0; i < 50; i++)
      rooms.push((await createRoom(deps, { userId: alice, body: { room_name: `r${i}` } })).room);

    const fiftyFirst = createRoom(deps, { userId: alice, body: { room_name: 'one too many' } });
    await expect(fiftyFirst).rejects.toMatchObject({ code: 'ROOM_LIMIT_REACHED' });
    await deleteRoom(deps, alice, rooms[0]?.room_id ?? '');
    const afterDelete = await createRoom(deps, { userId: alice, body: { room_name: 'fits again' } });
    const oneMore = createRoom(deps, { userId: alice, body: { room_name: 'no room again' } });

    expect(afterDelete.room.room_name).toBe('fits again');
    await expect(oneMore).rejects.toMatchObject({ code: 'ROOM_LIMIT_REACHED' });
    const listed = await listRooms(deps.rooms, alice, {
      limit: 100,
      offset: 0,
      sort_by: 'created_at',
      order: 'asc',
    });
    expect(listed.total).toBe(50);
    expect(listed.rooms).toHaveLength(50);
  });

  describe('with the hourly limit raised (ROOM_CREATE_LIMIT_PER_HOUR=1000)', () => {
    afterEach(() => {
      delete process.env.ROOM_CREATE_LIMIT_PER_HOUR;
      resetConfigForTests();
      vi.resetModules();
    });

    it('60 parallel creates by one user leave exactly 50 rooms and a total of 50', async () => {
      process.env.ROOM_CREATE_LIMIT_PER_HOUR = '1000';
      resetConfigForTests();
      vi.resetModules();
      const { handler: freshCreate } = await import('../../../functions/rooms/create-room');
      const alice = newUser('alice');

      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          invoke(freshCreate, {
            method: 'POST',
            path: '/api/rooms',
            sub: alice,
            body: { room_name: `parallel ${i}` },
          }),
        ),
      );
      const listed = await listAll(alice);

      expect(responses.filter((response) => response.status === 201)).toHaveLength(50);
      const refused = responses.filter((response) => response.status !== 201);
      expect(refused).toHaveLength(10);
      expect(refused.map((response) => response.body.error.code)).toEqual(
        Array(10).fill('ROOM_LIMIT_REACHED'),
      );
      expect(listed.body.data.total).toBe(50);
      expect(listed.body.data.rooms).toHaveLength(50);
      expect(await userItemsWithPrefix(alice, 'ROOM#')).toHaveLength(50);
    });
  });
});

describe('the creation rate limit (10 per hour per user)', () => {
  it('answers the 11th create of the hour 429 RATE_LIMITED with Retry-After, creating nothing', async () => {
    const alice = newUser('alice');
    for (let i = 0; i < 10; i++) expect((await create(alice, { room_name: `r${i}` })).status).toBe(201);

    const eleventh = await create(alice, { room_name: 'too fast' });

    expect(eleventh.status).toBe(429);
    expect(eleventh.body.error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(eleventh.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect((await listAll(alice)).body.data.total).toBe(10);
  });

  it('says in Retry-After when the window ends, and lets creates through again once it has', async () => {
    const clock = new ManualClock('2026-03-01T10:45:00.000Z');
    const deps = roomDeps(clock, { policy: { maxLiveRooms: 50, createsPerHour: 2 } });
    const alice = newUser('alice');
    await createRoom(deps, { userId: alice, body: { room_name: 'one' } });
    await createRoom(deps, { userId: alice, body: { room_name: 'two' } });

    const third = createRoom(deps, { userId: alice, body: { room_name: 'three' } });
    await expect(third).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 15 * 60 });
    clock.set('2026-03-01T11:00:00.000Z');
    const nextHour = await createRoom(deps, { userId: alice, body: { room_name: 'three' } });

    expect(nextHour.room.room_name).toBe('three');
  });

  it('does not count a create that failed (the limit of live rooms) against the hourly budget', async () => {
    const clock = new ManualClock();
    const deps = roomDeps(clock, { policy: { maxLiveRooms: 1, createsPerHour: 2 } });
    const alice = newUser('alice');
    const first = await createRoom(deps, { userId: alice, body: { room_name: 'only' } });
    for (let i = 0; i < 3; i++) {
      await expect(createRoom(deps, { userId: alice, body: { room_name: 'over' } })).rejects.toMatchObject({
        code: 'ROOM_LIMIT_REACHED',
      });
    }
    await deleteRoom(deps, alice, first.room.room_id);

    const second = await createRoom(deps, { userId: alice, body: { room_name: 'second of the hour' } });

    expect(second.room.room_name).toBe('second of the hour');
  });
});

describe('Idempotency-Key', () => {
  it('answers a retry with the same key and body with the same room, creating no second one', async () => {
    const alice = newUser('alice');
    const headers = { 'idempotency-key': 'create-bp-room-1' };

    const first = await create(alice, { room_name: 'BP', metadata: { a: 1, b: 2 } }, headers);
    const retry = await create(alice, { metadata: { b: 2, a: 1 }, room_name: ' BP ' }, headers);

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.data).toEqual(first.body.data);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect((await listAll(alice)).body.data.total).toBe(1);
  });

  it('answers parallel requests with one key with one room', async () => {
    const alice = newUser('alice');
    const headers = { 'idempotency-key': 'double-click' };

    const responses = await Promise.all(
      Array.from({ length: 5 }, () => create(alice, { room_name: 'Once' }, headers)),
    );

    expect(new Set(responses.map((response) => response.body.data.room_id)).size).toBe(1);
    expect(responses.map((response) => response.status)).toEqual(Array(5).fill(201));
    expect((await listAll(alice)).body.data.total).toBe(1);
  });

  it('answers 409 IDEMPOTENCY_CONFLICT when the key comes back with another body, creating nothing', async () => {
    const alice = newUser('alice');
    const headers = { 'idempotency-key': 'reused-key' };
    await create(alice, { room_name: 'First' }, headers);

    const conflicting = await create(alice, { room_name: 'Second' }, headers);

    expect(conflicting.status).toBe(409);
    expect(conflicting.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await listAll(alice)).body.data.total).toBe(1);
  });

  it('keeps keys apart per user, and forgets a key after 24 hours', async () => {
    const clock = new ManualClock();
    const deps = roomDeps(clock);
    const [alice, bob] = [newUser('alice'), newUser('bob')];
    const body = { room_name: 'Same key' };

    const aliceRoom = await createRoom(deps, { userId: alice, body, idempotencyKey: 'k' });
    const bobRoom = await createRoom(deps, { userId: bob, body, idempotencyKey: 'k' });
    clock.advance(24 * 3600_000 + 1000);
    const aliceNextDay = await createRoom(deps, { userId: alice, body, idempotencyKey: 'k' });

    expect(bobRoom.room.room_id).not.toBe(aliceRoom.room.room_id);
    expect(bobRoom.replayed).toBe(false);
    expect(aliceNextDay.replayed).toBe(false);
    expect(aliceNextDay.room.room_id).not.toBe(aliceRoom.room.room_id);
  });

  it('rejects a malformed key with 400 naming the header', async () => {
    const alice = newUser('alice');

    const response = await create(alice, { room_name: 'x' }, { 'idempotency-key': 'has spaces in it' });

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('headers.idempotency-key');
    expect(await userItems(alice)).toEqual([]);
  });
});

describe('deleting a room over HTTP', () => {
  it('frees its slot in the total at once', async () => {
    const alice = newUser('alice');
    const room = (await create(alice, { room_name: 'short-lived' })).body.data;

    const deleted = await invoke(deleteRoomHandler, {
      method: 'DELETE',
      sub: alice,
      pathParameters: { room_id: room.room_id },
    });

    expect(deleted.status).toBe(200);
    expect((await listAll(alice)).body.data).toMatchObject({ total: 0, rooms: [] });
  });
});
