import { beforeAll, describe, expect, it } from 'vitest';
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
import { invoke } from '../../support/api-event';
import {
  isCancelRequested,
  newUser,
  seedMessages,
  startLiveStream,
  userItems,
} from '../../support/rooms-fixtures';

/** Another user's room or session is 404, never 403, and nothing of it changes (DESIGN §4). */
describe("another user's rooms and sessions", () => {
  const alice = newUser('alice');
  const bob = newUser('bob');
  let roomId: string;
  let deletedRoomId: string;
  let sessionId: string;
  let streamId: string;
  let aliceCursor: string;

  beforeAll(async () => {
    const create = async (name: string) =>
      (await invoke(createRoomHandler, { method: 'POST', sub: alice, body: { room_name: name } })).body.data
        .room_id;
    roomId = await create('alice private');
    await create('alice second');
    deletedRoomId = await create('alice deleted');
    await invoke(deleteRoomHandler, {
      method: 'DELETE',
      sub: alice,
      pathParameters: { room_id: deletedRoomId },
    });
    await seedMessages(alice, roomId, [{ created_at: new Date(Date.now() - 1000).toISOString() }]);
    sessionId = (
      await invoke(createSessionHandler, { method: 'POST', sub: alice, body: { room_id: roomId } })
    ).body.data.session_id;
    streamId = await startLiveStream(alice, { roomId, sessionId });
    aliceCursor = (await invoke(listRoomsHandler, { sub: alice, query: { limit: '1' } })).body.data
      .next_cursor;
  });

  const roomParams = () => ({ pathParameters: { room_id: roomId } });
  const sessionParams = () => ({ pathParameters: { session_id: sessionId } });

  const attempts: [string, () => ReturnType<typeof invoke>, string][] = [
    ['GET /api/rooms/{id}', () => invoke(getRoomHandler, { sub: bob, ...roomParams() }), 'ROOM_NOT_FOUND'],
    [
      'PATCH /api/rooms/{id}',
      () =>
        invoke(updateRoomHandler, {
          method: 'PATCH',
          sub: bob,
          ...roomParams(),
          body: { room_name: 'mine now' },
        }),
      'ROOM_NOT_FOUND',
    ],
    [
      'DELETE /api/rooms/{id}',
      () => invoke(deleteRoomHandler, { method: 'DELETE', sub: bob, ...roomParams() }),
      'ROOM_NOT_FOUND',
    ],
    [
      'POST /api/rooms/{id}/restore',
      () =>
        invoke(restoreRoomHandler, { method: 'POST', sub: bob, pathParameters: { room_id: deletedRoomId } }),
      'ROOM_NOT_FOUND',
    ],
    [
      'GET /api/rooms/{id}/history',
      () => invoke(historyHandler, { sub: bob, ...roomParams() }),
      'ROOM_NOT_FOUND',
    ],
    [
      'POST /api/session/create',
      () => invoke(createSessionHandler, { method: 'POST', sub: bob, body: { room_id: roomId } }),
      'ROOM_NOT_FOUND',
    ],
    [
      'GET /api/session/{id}',
      () => invoke(getSessionHandler, { sub: bob, ...sessionParams() }),
      'SESSION_NOT_FOUND',
    ],
    [
      'POST /api/session/{id}/reset',
      () => invoke(resetSessionHandler, { method: 'POST', sub: bob, ...sessionParams(), body: {} }),
      'SESSION_NOT_FOUND',
    ],
    [
      'DELETE /api/session/{id}/history',
      () => invoke(clearHistoryHandler, { method: 'DELETE', sub: bob, ...sessionParams() }),
      'SESSION_NOT_FOUND',
    ],
    [
      'DELETE /api/session/{id}',
      () => invoke(deleteSessionHandler, { method: 'DELETE', sub: bob, ...sessionParams() }),
      'SESSION_NOT_FOUND',
    ],
  ];

  it.each(attempts)('%s answers 404 to another user and changes nothing', async (_route, attempt, code) => {
    const before = await userItems(alice);

    const response = await attempt();

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe(code);
    expect(await userItems(alice)).toEqual(before);
    expect(await isCancelRequested(alice, streamId)).toBe(false);
  });

  it("lists none of them to another user, and refuses the owner's cursor", async () => {
    const listed = await invoke(listRoomsHandler, { sub: bob });
    const alias = await invoke(listChatRoomsHandler, { sub: bob });
    const withCursor = await invoke(listRoomsHandler, {
      sub: bob,
      query: { limit: '1', cursor: aliceCursor },
    });

    expect(listed.body.data).toMatchObject({ rooms: [], total: 0, next_cursor: null });
    expect(alias.body.data).toMatchObject({ rooms: [], total: 0 });
    expect(withCursor.status).toBe(400);
  });

  it('answers 403 FORBIDDEN when a user_id names someone else, before looking anything up', async () => {
    const response = await invoke(getRoomHandler, { sub: bob, ...roomParams(), query: { user_id: alice } });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('FORBIDDEN');
  });
});
