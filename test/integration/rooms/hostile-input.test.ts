import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler as createRoomHandler } from '../../../functions/rooms/create-room';
import { handler as deleteRoomHandler } from '../../../functions/rooms/delete-room';
import { handler as getRoomHandler } from '../../../functions/rooms/get-room';
import { handler as historyHandler } from '../../../functions/rooms/get-room-history';
import { handler as restoreRoomHandler } from '../../../functions/rooms/restore-room';
import { handler as updateRoomHandler } from '../../../functions/rooms/update-room';
import { keys } from '../../../shared/data/keys';
import { ManualClock } from '../../../shared/domain/clock';
import { cursorOwner } from '../../../shared/domain/cursor';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { deleteRoom } from '../../../shared/domain/rooms/delete-room';
import { restoreRoom } from '../../../shared/domain/rooms/restore-room';
import { clearSessionHistory } from '../../../shared/domain/sessions/clear-history';
import { createSession } from '../../../shared/domain/sessions/create-session';
import { invoke } from '../../support/api-event';
import {
  chatTableName,
  newUser,
  roomDeps,
  seedMessages,
  sessionDeps,
  testDocumentClient,
  userItems,
} from '../../support/rooms-fixtures';

const roomCall = (handler: typeof getRoomHandler, sub: string, roomId: string, method = 'GET') =>
  invoke(handler, { method, sub, pathParameters: { room_id: roomId } });

describe('a foreign item inside a message partition is never read back', () => {
  it('history answers only messages, before and after a clear, even with other items in the partition', async () => {
    const clock = new ManualClock(new Date());
    const alice = newUser('alice');
    const room = (await createRoom(roomDeps(clock), { userId: alice, body: { room_name: 'mine' } })).room;
    const [first] = await seedMessages(alice, room.room_id, [{ created_at: clock.now().toISOString() }]);
    // What a `sub` of `<alice>#ROOM#<room>` once wrote (DESIGN §6 now refuses such a sub):
    // items whose keys sort above and below the messages, in alice's message partition.
    const partition = keys.messagePartition(alice, room.room_id);
    for (const sk of ['ROOM#room_intruder', 'COUNTER', 'SESSION#sess_intruder', 'MSG$', 'A']) {
      await testDocumentClient().send(
        new PutCommand({ TableName: chatTableName(), Item: { pk: partition, sk, note: 'foreign' } }),
      );
    }

    const before = await invoke(historyHandler, { sub: alice, pathParameters: { room_id: room.room_id } });
    const session = await createSession(sessionDeps(clock), alice, { room_id: room.room_id });
    clock.advance(1000);
    await clearSessionHistory(sessionDeps(clock), alice, session.session_id, undefined);
    clock.advance(1000);
    await seedMessages(alice, room.room_id, [{ created_at: clock.now().toISOString() }]);
    const after = await invoke(historyHandler, { sub: alice, pathParameters: { room_id: room.room_id } });
    const ascending = await invoke(historyHandler, {
      sub: alice,
      pathParameters: { room_id: room.room_id },
      query: { order: 'asc' },
    });

    expect(before.status).toBe(200);
    expect(before.body.data.messages.map((m: { message_id: string }) => m.message_id)).toEqual([
      first?.message_id,
    ]);
    expect(after.status).toBe(200);
    expect(after.body.data.messages).toHaveLength(1);
    expect(ascending.status).toBe(200);
    expect(ascending.body.data.messages).toHaveLength(1);
  });
});

describe('a hand-made history cursor', () => {
  it('is 400 at query.cursor when it points outside the message keys, never 500', async () => {
    const clock = new ManualClock(new Date());
    const alice = newUser('alice');
    const room = (await createRoom(roomDeps(clock), { userId: alice, body: { room_name: 'cursor' } })).room;
    await seedMessages(alice, room.room_id, [{ created_at: clock.now().toISOString() }]);
    const session = await createSession(sessionDeps(clock), alice, { room_id: room.room_id });
    clock.advance(1000);
    await clearSessionHistory(sessionDeps(clock), alice, session.session_id, undefined);
    const cursorFor = (sortKey: string, order: 'asc' | 'desc') =>
      Buffer.from(
        JSON.stringify({
          v: 1,
          list: 'history',
          owner: cursorOwner(alice),
          room_id: room.room_id,
          order,
          after: { sort_key: sortKey },
        }),
      ).toString('base64url');

    for (const order of ['asc', 'desc'] as const) {
      for (const sortKey of ['MSG#\u{10FFFF}z', 'MSG#\uffff', 'MSG$']) {
        const response = await invoke(historyHandler, {
          sub: alice,
          pathParameters: { room_id: room.room_id },
          query: { order, cursor: cursorFor(sortKey, order) },
        });
        expect([order, sortKey, response.status]).toEqual([order, sortKey, 400]);
        expect(response.body.error.details[0].path).toBe('query.cursor');
      }
    }
  });
});

describe('ten parallel restores of one deleted room', () => {
  it('all answer the live room (or a retryable 409), none 404, and the room counts once', async () => {
    const alice = newUser('alice');
    const created = await invoke(createRoomHandler, {
      method: 'POST',
      sub: alice,
      body: { room_name: 'twice' },
    });
    const roomId: string = created.body.data.room_id;
    await roomCall(deleteRoomHandler, alice, roomId, 'DELETE');

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => roomCall(restoreRoomHandler, alice, roomId, 'POST')),
    );

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 404)).toEqual([]);
    for (const answer of answers) {
      if (answer.status === 200)
        expect(answer.body.data).toMatchObject({ room_id: roomId, is_deleted: false });
      else {
        expect(answer.status).toBe(409);
        expect(answer.headers['retry-after']).toBeDefined();
      }
    }
    expect(statuses).toContain(200);
    const counter = (await userItems(alice)).find((item) => item.sk === 'COUNTER');
    expect(counter?.live_rooms).toBe(1);
    expect((await roomCall(getRoomHandler, alice, roomId)).status).toBe(200);
  });
});

describe('parallel restores that all read the deleted room before any of them writes', () => {
  it('answer the live room to every loser (idempotent), never 404, and count the room once', async () => {
    const clock = new ManualClock(new Date());
    const alice = newUser('alice');
    const deps = roomDeps(clock);
    const room = (await createRoom(deps, { userId: alice, body: { room_name: 'raced' } })).room;
    await deleteRoom(deps, alice, room.room_id);
    // A barrier after the read: the race the issue saw through the gateway, every time.
    let arrived = 0;
    let release: () => void = () => undefined;
    const allRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    const racing = {
      ...deps,
      rooms: {
        ...deps.rooms,
        find: async (...args: Parameters<typeof deps.rooms.find>) => {
          const found = await deps.rooms.find(...args);
          if (++arrived === 10) release();
          await allRead;
          return found;
        },
      },
    };

    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => restoreRoom(racing, alice, room.room_id)),
    );

    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') expect(outcome.value).toMatchObject({ is_deleted: false });
      else expect(outcome.reason).toMatchObject({ code: 'CONFLICT', retryAfterSeconds: 1 });
    }
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    expect(await deps.rooms.countLive(alice)).toBe(1);
  });
});

describe('metadata is stored exactly as sent or refused with 400, on create and patch', () => {
  const hostile: [string, string][] = [
    ['a number beyond a double (1e309)', '{"n":1e309}'],
    ['a __proto__ key', '{"__proto__":{"isAdmin":true},"a":1}'],
    ['a duplicate key', '{"a":1,"a":2}'],
    ['an integer that loses digits', '{"id":12345678901234567890}'],
    ['a lone surrogate', '{"s":"\\udead"}'],
    ['nesting 4,000 deep', `{"a":${'['.repeat(4000)}${']'.repeat(4000)}}`],
    ['nesting 33 deep', `{"a":${'{"a":'.repeat(32)}1${'}'.repeat(32)}}`],
  ];

  it.each(hostile)('%s: 400 on create and on patch, nothing changes', async (_what, metadata) => {
    const alice = newUser('alice');
    const room = await invoke(createRoomHandler, { method: 'POST', sub: alice, body: { room_name: 'kept' } });
    const before = await userItems(alice);

    const create = await invoke(createRoomHandler, {
      method: 'POST',
      sub: alice,
      body: `{"room_name":"r","metadata":${metadata}}`,
    });
    const patch = await invoke(updateRoomHandler, {
      method: 'PATCH',
      sub: alice,
      pathParameters: { room_id: room.body.data.room_id },
      body: `{"metadata":${metadata}}`,
    });

    expect([create.status, create.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect([patch.status, patch.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(create.body.error.details[0].path).toMatch(/^body\.metadata/);
    expect(await userItems(alice)).toEqual(before);
  });

  it('keeps 32 levels, exact doubles, escapes and empty keys as sent, on create and patch', async () => {
    const alice = newUser('alice');
    const metadata = `{"":0,"deep":${'{"a":'.repeat(31)}1${'}'.repeat(31)},"pi":3.141592653589793,"tiny":5e-324,"s":"\\ud83d\\ude00\\u0000"}`;

    const create = await invoke(createRoomHandler, {
      method: 'POST',
      sub: alice,
      body: `{"room_name":"r","metadata":${metadata}}`,
    });
    const patch = await invoke(updateRoomHandler, {
      method: 'PATCH',
      sub: alice,
      pathParameters: { room_id: create.body.data.room_id },
      body: `{"metadata":${metadata}}`,
    });
    const read = await roomCall(getRoomHandler, alice, create.body.data.room_id);

    expect(create.status).toBe(201);
    expect(patch.status).toBe(200);
    expect(read.body.data.metadata).toEqual(JSON.parse(metadata));
    expect(JSON.stringify(read.body.data.metadata)).toBe(JSON.stringify(JSON.parse(metadata)));
  });
});
