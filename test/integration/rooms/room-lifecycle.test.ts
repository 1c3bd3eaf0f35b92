import { describe, expect, it } from 'vitest';
import { handler as createRoomHandler } from '../../../functions/rooms/create-room';
import { handler as deleteRoomHandler } from '../../../functions/rooms/delete-room';
import { handler as getRoomHandler } from '../../../functions/rooms/get-room';
import { handler as listRoomsHandler } from '../../../functions/rooms/list-rooms';
import { handler as restoreRoomHandler } from '../../../functions/rooms/restore-room';
import { handler as updateRoomHandler } from '../../../functions/rooms/update-room';
import { ManualClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { deleteRoom } from '../../../shared/domain/rooms/delete-room';
import { restoreRoom } from '../../../shared/domain/rooms/restore-room';
import { invoke } from '../../support/api-event';
import {
  isCancelRequested,
  newUser,
  roomDeps,
  seedMessages,
  startLiveStream,
  userItems,
} from '../../support/rooms-fixtures';

const DAY_MS = 24 * 3600_000;

async function newRoom(sub: string, roomName = 'My room', metadata?: Record<string, unknown>) {
  const response = await invoke(createRoomHandler, {
    method: 'POST',
    sub,
    body: { room_name: roomName, ...(metadata ? { metadata } : {}) },
  });
  expect(response.status).toBe(201);
  return response.body.data as { room_id: string; room_name: string; created_at: string };
}

const roomCall = (handler: typeof getRoomHandler, sub: string, roomId: string, body?: unknown) =>
  invoke(handler, {
    method: 'X',
    sub,
    pathParameters: { room_id: roomId },
    ...(body === undefined ? {} : { body }),
  });

describe('GET /api/rooms/{room_id}', () => {
  it('answers the room', async () => {
    const alice = newUser('alice');
    const room = await newRoom(alice, 'Sleep', { color: 'blue' });

    const response = await roomCall(getRoomHandler, alice, room.room_id);

    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({
      room_id: room.room_id,
      room_name: 'Sleep',
      metadata: { color: 'blue' },
    });
  });

  it('answers 404 ROOM_NOT_FOUND for a room that does not exist, and 400 for a malformed id', async () => {
    const alice = newUser('alice');

    const missing = await roomCall(getRoomHandler, alice, 'room_doesnotexist');
    const malformed = await roomCall(getRoomHandler, alice, 'room#1');

    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ROOM_NOT_FOUND');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details[0].path).toBe('params.room_id');
  });
});

describe('PATCH /api/rooms/{room_id}', () => {
  it('renames a room (trimmed) and replaces its metadata', async () => {
    const alice = newUser('alice');
    const room = await newRoom(alice, 'Old', { a: 1, b: 2 });

    const renamed = await roomCall(updateRoomHandler, alice, room.room_id, { room_name: '  New  ' });
    const remeta = await roomCall(updateRoomHandler, alice, room.room_id, { metadata: { c: 3 } });

    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ room_name: 'New', metadata: { a: 1, b: 2 } });
    expect(remeta.body.data).toMatchObject({ room_name: 'New', metadata: { c: 3 } });
    expect((await roomCall(getRoomHandler, alice, room.room_id)).body.data).toMatchObject({
      room_name: 'New',
      metadata: { c: 3 },
    });
  });

  it.each([
    ['an empty body', {}, 'body'],
    ['a blank name', { room_name: '   ' }, 'body.room_name'],
    ['oversize metadata', { metadata: { x: 'y'.repeat(11 * 1024) } }, 'body.metadata'],
    ['metadata that is null', { metadata: null }, 'body.metadata'],
    ['an unknown field', { room_name: 'ok', pinned: true }, 'body'],
  ])('answers 400 VALIDATION_ERROR for %s and changes nothing', async (_case, body, path) => {
    const alice = newUser('alice');
    const room = await newRoom(alice, 'Untouched', { keep: true });
    const before = await userItems(alice);

    const response = await roomCall(updateRoomHandler, alice, room.room_id, body);

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
    expect(await userItems(alice)).toEqual(before);
  });

  it('answers 400 INVALID_JSON for a malformed body and changes nothing', async () => {
    const alice = newUser('alice');
    const room = await newRoom(alice);
    const before = await userItems(alice);

    const response = await roomCall(updateRoomHandler, alice, room.room_id, '{"room_name":');

    expect(response.body.error.code).toBe('INVALID_JSON');
    expect(await userItems(alice)).toEqual(before);
  });

  it('answers 404 for a deleted room and for one that does not exist', async () => {
    const alice = newUser('alice');
    const room = await newRoom(alice);
    await roomCall(deleteRoomHandler, alice, room.room_id);

    const deleted = await roomCall(updateRoomHandler, alice, room.room_id, { room_name: 'back?' });
    const missing = await roomCall(updateRoomHandler, alice, 'room_nope', { room_name: 'x' });

    expect(deleted.status).toBe(404);
    expect(deleted.body.error.code).toBe('ROOM_NOT_FOUND');
    expect(missing.status).toBe(404);
  });
});

describe('DELETE /api/rooms/{room_id}', () => {
  it('soft-deletes: 200 with restorable_until 30 days on; the room leaves get and list, the slot is free', async () => {
    const alice = newUser('alice');
    const room = await newRoom(alice);

    const response = await roomCall(deleteRoomHandler, alice, room.room_id);
    const after = await roomCall(getRoomHandler, alice, room.room_id);
    const listed = await invoke(listRoomsHandler, { sub: alice });

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      room_id: room.room_id,
      deleted: true,
      restorable_until: expect.any(String),
    });
    const window = Date.parse(response.body.data.restorable_until) - Date.now();
    expect(window).toBeGreaterThan(30 * DAY_MS - 60_000);
    expect(window).toBeLessThanOrEqual(30 * DAY_MS);
    expect(after.status).toBe(404);
    expect(listed.body.data).toMatchObject({ total: 0, rooms: [] });
  });

  it('answers 404 when the room is already deleted, or does not exist, freeing no second slot', async () => {
    const alice = newUser('alice');
    const room = await newRoom(alice);
    await newRoom(alice, 'stays');
    await roomCall(deleteRoomHandler, alice, room.room_id);

    const again = await roomCall(deleteRoomHandler, alice, room.room_id);
    const missing = await roomCall(deleteRoomHandler, alice, 'room_never');

    expect(again.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((await invoke(listRoomsHandler, { sub: alice })).body.data.total).toBe(1);
  });

  it("stops the room's live streams (and no other room's)", async () => {
    const alice = newUser('alice');
    const room = await newRoom(alice);
    const other = await newRoom(alice, 'other');
    const inRoom = await startLiveStream(alice, { roomId: room.room_id, sessionId: 'sess_a' });
    const elsewhere = await startLiveStream(alice, { roomId: other.room_id, sessionId: 'sess_b' });

    await roomCall(deleteRoomHandler, alice, room.room_id);

    expect(await isCancelRequested(alice, inRoom)).toBe(true);
    expect(await isCancelRequested(alice, elsewhere)).toBe(false);
  });
});

describe('POST /api/rooms/{room_id}/restore', () => {
  it('brings a deleted room back with its messages, taking a slot again', async () => {
    const alice = newUser('alice');
    const room = await newRoom(alice);
    await seedMessages(alice, room.room_id, [{ created_at: '2026-01-01T00:00:01.000Z' }]);
    await roomCall(deleteRoomHandler, alice, room.room_id);

    const restored = await roomCall(restoreRoomHandler, alice, room.room_id);

    expect(restored.status).toBe(200);
    expect(restored.body.data).toMatchObject({ room_id: room.room_id, is_deleted: false, message_count: 1 });
    expect((await invoke(listRoomsHandler, { sub: alice })).body.data.total).toBe(1);
    expect((await roomCall(getRoomHandler, alice, room.room_id)).status).toBe(200);
  });

  it('answers a live room unchanged (a retried restore succeeds), and 404 for one that does not exist', async () => {
    const alice = newUser('alice');
    const room = await newRoom(alice);

    const live = await roomCall(restoreRoomHandler, alice, room.room_id);
    const missing = await roomCall(restoreRoomHandler, alice, 'room_nothing');

    expect(live.status).toBe(200);
    expect(live.body.data.is_deleted).toBe(false);
    expect((await invoke(listRoomsHandler, { sub: alice })).body.data.total).toBe(1);
    expect(missing.status).toBe(404);
  });

  it('answers 409 ROOM_LIMIT_REACHED when the user already has 50 live rooms', async () => {
    const clock = new ManualClock();
    const deps = roomDeps(clock, { policy: { maxLiveRooms: 2, createsPerHour: 100 } });
    const alice = newUser('alice');
    const deleted = (await createRoom(deps, { userId: alice, body: { room_name: 'd' } })).room;
    await deleteRoom(deps, alice, deleted.room_id);
    await createRoom(deps, { userId: alice, body: { room_name: 'a' } });
    await createRoom(deps, { userId: alice, body: { room_name: 'b' } });

    await expect(restoreRoom(deps, alice, deleted.room_id)).rejects.toMatchObject({
      code: 'ROOM_LIMIT_REACHED',
    });
    expect(await deps.rooms.countLive(alice)).toBe(2);
  });
});
