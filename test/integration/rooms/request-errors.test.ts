import { describe, expect, it } from 'vitest';
import { handler as createRoomHandler } from '../../../functions/rooms/create-room';
import { handler as deleteRoomHandler } from '../../../functions/rooms/delete-room';
import { handler as getRoomHandler } from '../../../functions/rooms/get-room';
import { handler as historyHandler } from '../../../functions/rooms/get-room-history';
import { handler as listChatRoomsHandler } from '../../../functions/rooms/list-chat-rooms';
import { handler as listRoomsHandler } from '../../../functions/rooms/list-rooms';
import { handler as restoreRoomHandler } from '../../../functions/rooms/restore-room';
import { handler as updateRoomHandler } from '../../../functions/rooms/update-room';
import { handler as clearHistoryHandler } from '../../../functions/sessions/clear-session-history';
import { handler as createSessionHandler } from '../../../functions/sessions/create-session';
import { handler as deleteSessionHandler } from '../../../functions/sessions/delete-session';
import { handler as getSessionHandler } from '../../../functions/sessions/get-session';
import { handler as resetSessionHandler } from '../../../functions/sessions/reset-session';
import { ManualClock } from '../../../shared/domain/clock';
import { createSession } from '../../../shared/domain/sessions/create-session';
import { type ApiEventInput, invoke } from '../../support/api-event';
import { newUser, sessionDeps, userItems } from '../../support/rooms-fixtures';

type Handler = typeof getRoomHandler;

interface RouteUnderTest {
  readonly name: string;
  readonly handler: Handler;
  readonly method: string;
  readonly params?: 'room' | 'session';
  readonly body?: Record<string, unknown>;
}

/** Every room and session route, with a request that would succeed. */
const routes = (ids: { roomId: string; sessionId: string }): RouteUnderTest[] => [
  { name: 'createRoom', handler: createRoomHandler, method: 'POST', body: { room_name: 'r' } },
  { name: 'listRooms', handler: listRoomsHandler, method: 'GET' },
  { name: 'listChatRooms', handler: listChatRoomsHandler, method: 'GET' },
  { name: 'getRoom', handler: getRoomHandler, method: 'GET', params: 'room' },
  {
    name: 'updateRoom',
    handler: updateRoomHandler,
    method: 'PATCH',
    params: 'room',
    body: { room_name: 'x' },
  },
  { name: 'deleteRoom', handler: deleteRoomHandler, method: 'DELETE', params: 'room' },
  { name: 'restoreRoom', handler: restoreRoomHandler, method: 'POST', params: 'room' },
  { name: 'getRoomHistory', handler: historyHandler, method: 'GET', params: 'room' },
  { name: 'createSession', handler: createSessionHandler, method: 'POST', body: { room_id: ids.roomId } },
  { name: 'getSession', handler: getSessionHandler, method: 'GET', params: 'session' },
  { name: 'resetSession', handler: resetSessionHandler, method: 'POST', params: 'session', body: {} },
  {
    name: 'clearSessionHistory',
    handler: clearHistoryHandler,
    method: 'DELETE',
    params: 'session',
    body: {},
  },
  { name: 'deleteSession', handler: deleteSessionHandler, method: 'DELETE', params: 'session' },
];

async function setUp() {
  const alice = newUser('alice');
  const room = await invoke(createRoomHandler, { method: 'POST', sub: alice, body: { room_name: 'errors' } });
  const roomId: string = room.body.data.room_id;
  const session = await invoke(createSessionHandler, {
    method: 'POST',
    sub: alice,
    body: { room_id: roomId },
  });
  return { alice, roomId, sessionId: session.body.data.session_id as string };
}

function request(
  route: RouteUnderTest,
  ids: { roomId: string; sessionId: string },
  sub: string,
): ApiEventInput {
  return {
    method: route.method,
    sub,
    ...(route.params === 'room' ? { pathParameters: { room_id: ids.roomId } } : {}),
    ...(route.params === 'session' ? { pathParameters: { session_id: ids.sessionId } } : {}),
    ...(route.body ? { body: route.body } : {}),
  };
}

describe('the errors of the request pipeline, on every room and session route', () => {
  const names = routes({ roomId: '', sessionId: '' });

  it.each(names.map((route) => [route.name]))(
    '%s: a user_id naming someone else is 403 and changes nothing',
    async (name) => {
      const ids = await setUp();
      const route = routes(ids).find((candidate) => candidate.name === name) as RouteUnderTest;
      const before = await userItems(ids.alice);

      const viaQuery = await invoke(route.handler, {
        ...request(route, ids, ids.alice),
        query: { user_id: 'mallory' },
      });
      const viaBody = route.body
        ? await invoke(route.handler, {
            ...request(route, ids, ids.alice),
            body: { ...route.body, user_id: 'mallory' },
          })
        : viaQuery;

      expect(viaQuery.status).toBe(403);
      expect(viaBody.status).toBe(403);
      expect(viaBody.body.error.code).toBe('FORBIDDEN');
      expect(await userItems(ids.alice)).toEqual(before);
    },
  );

  it.each(names.filter((route) => route.params).map((route) => [route.name, route.params]))(
    '%s: a malformed %s id is 400 VALIDATION_ERROR at params',
    async (name, params) => {
      const ids = await setUp();
      const route = routes(ids).find((candidate) => candidate.name === name) as RouteUnderTest;
      const key = params === 'room' ? 'room_id' : 'session_id';

      const response = await invoke(route.handler, {
        ...request(route, ids, ids.alice),
        pathParameters: { [key]: 'a#b' },
      });

      expect(response.status).toBe(400);
      expect(response.body.error.details[0].path).toBe(`params.${key}`);
    },
  );

  it.each(names.filter((route) => route.body).map((route) => [route.name]))(
    '%s: malformed JSON is 400, a non-JSON body 415, a body over 64 KB 413, and nothing changes',
    async (name) => {
      const ids = await setUp();
      const route = routes(ids).find((candidate) => candidate.name === name) as RouteUnderTest;
      const base = request(route, ids, ids.alice);
      const before = await userItems(ids.alice);

      const malformed = await invoke(route.handler, { ...base, body: '{"room_name": ' });
      const notJson = await invoke(route.handler, {
        ...base,
        body: 'a=b',
        headers: { 'content-type': 'text/plain' },
      });
      const tooLarge = await invoke(route.handler, { ...base, body: { padding: 'x'.repeat(65 * 1024) } });

      expect([malformed.status, malformed.body.error.code]).toEqual([400, 'INVALID_JSON']);
      expect([notJson.status, notJson.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect([tooLarge.status, tooLarge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      expect(await userItems(ids.alice)).toEqual(before);
    },
  );
});

describe('410 SESSION_EXPIRED over HTTP', () => {
  it('answers get, reset and clear-history of a session idle for 11 minutes with 410, changing nothing', async () => {
    const { alice, roomId } = await setUp();
    const elevenMinutesAgo = new ManualClock(new Date(Date.now() - 11 * 60_000));
    const stale = await createSession(sessionDeps(elevenMinutesAgo), alice, { room_id: roomId });
    const call = { sub: alice, pathParameters: { session_id: stale.session_id } };
    const before = await userItems(alice);

    const responses = [
      await invoke(getSessionHandler, call),
      await invoke(resetSessionHandler, { ...call, method: 'POST', body: {} }),
      await invoke(clearHistoryHandler, { ...call, method: 'DELETE' }),
    ];

    for (const response of responses) {
      expect(response.status).toBe(410);
      expect(response.body.error.code).toBe('SESSION_EXPIRED');
    }
    expect(await userItems(alice)).toEqual(before);
  });
});
