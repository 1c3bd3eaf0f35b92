import { describe, expect, it } from 'vitest';
import { handler as createRoomHandler } from '../../../functions/rooms/create-room';
import { handler as deleteRoomHandler } from '../../../functions/rooms/delete-room';
import { handler as restoreRoomHandler } from '../../../functions/rooms/restore-room';
import { handler as createSessionHandler } from '../../../functions/sessions/create-session';
import { handler as deleteSessionHandler } from '../../../functions/sessions/delete-session';
import { handler as getSessionHandler } from '../../../functions/sessions/get-session';
import { handler as resetSessionHandler } from '../../../functions/sessions/reset-session';
import { ManualClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { createSession } from '../../../shared/domain/sessions/create-session';
import { deleteSession } from '../../../shared/domain/sessions/delete-session';
import { getSession } from '../../../shared/domain/sessions/get-session';
import { resetSession } from '../../../shared/domain/sessions/reset-session';
import { toSessionView } from '../../../shared/domain/sessions/session-view';
import { agentTypes } from '../../../shared/schemas/agents';
import { invoke } from '../../support/api-event';
import {
  isCancelRequested,
  newUser,
  roomDeps,
  seedMessages,
  sessionDeps,
  startLiveStream,
  storedMessages,
  userItems,
} from '../../support/rooms-fixtures';

const MINUTE = 60_000;

async function newRoom(sub: string): Promise<string> {
  const response = await invoke(createRoomHandler, { method: 'POST', sub, body: { room_name: 'Sessions' } });
  return response.body.data.room_id;
}

const openSession = (sub: string, body: unknown) =>
  invoke(createSessionHandler, { method: 'POST', path: '/api/session/create', sub, body });

const sessionCall = (handler: typeof getSessionHandler, sub: string, sessionId: string, body?: unknown) =>
  invoke(handler, {
    sub,
    pathParameters: { session_id: sessionId },
    ...(body === undefined ? {} : { body }),
  });

describe('POST /api/session/create', () => {
  it('opens a session in a live room: 201 Session, default agent general', async () => {
    const alice = newUser('alice');
    const roomId = await newRoom(alice);

    const response = await openSession(alice, { room_id: roomId });

    expect(response.status).toBe(201);
    const session = response.body.data;
    expect(session).toEqual({
      session_id: expect.stringMatching(/^sess_/),
      user_id: alice,
      room_id: roomId,
      agent_type: 'general',
      created_at: expect.any(String),
      last_activity: session.created_at,
      expires_at: new Date(Date.parse(session.created_at) + 10 * MINUTE).toISOString(),
      agents: { general: { memory_reset_at: null } },
      active_stream_id: null,
    });
    expect(response.headers.location).toBe(`/api/session/${session.session_id}`);
  });

  it('opens it with the given agent', async () => {
    const alice = newUser('alice');

    const response = await openSession(alice, { room_id: await newRoom(alice), agent_type: 'medication' });

    expect(response.body.data).toMatchObject({
      agent_type: 'medication',
      agents: { medication: { memory_reset_at: null } },
    });
  });

  it('answers 404 ROOM_NOT_FOUND for a room that does not exist or is deleted, creating nothing', async () => {
    const alice = newUser('alice');
    const roomId = await newRoom(alice);
    await invoke(deleteRoomHandler, { method: 'DELETE', sub: alice, pathParameters: { room_id: roomId } });
    const before = await userItems(alice);

    const deleted = await openSession(alice, { room_id: roomId });
    const missing = await openSession(alice, { room_id: 'room_unknown' });

    expect(deleted.status).toBe(404);
    expect(deleted.body.error.code).toBe('ROOM_NOT_FOUND');
    expect(missing.status).toBe(404);
    expect(await userItems(alice)).toEqual(before);
  });

  it.each([
    ['an unknown agent', { agent_type: 'surgeon' }, 'body.agent_type'],
    ['no room_id', { room_id: undefined }, 'body.room_id'],
    ['a room_id of the wrong type', { room_id: 7 }, 'body.room_id'],
    ['an unknown field', { mood: 'happy' }, 'body'],
  ])('answers 400 VALIDATION_ERROR for %s, creating nothing', async (_case, change, path) => {
    const alice = newUser('alice');
    const roomId = await newRoom(alice);
    const before = await userItems(alice);

    const response = await openSession(alice, { room_id: roomId, ...change });

    expect(response.status).toBe(400);
    expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
    expect(await userItems(alice)).toEqual(before);
  });

  it('answers 400 INVALID_JSON for a malformed body', async () => {
    const response = await openSession(newUser(), '{"room_id"');

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_JSON');
  });
});

describe('GET /api/session/{session_id}', () => {
  it('answers the session, and 404 SESSION_NOT_FOUND for an unknown one, 400 for a malformed id', async () => {
    const alice = newUser('alice');
    const session = (await openSession(alice, { room_id: await newRoom(alice) })).body.data;

    const found = await sessionCall(getSessionHandler, alice, session.session_id);
    const missing = await sessionCall(getSessionHandler, alice, 'sess_unknown');
    const malformed = await sessionCall(getSessionHandler, alice, 'sess with spaces');

    expect(found).toMatchObject({ status: 200, body: { data: session } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('SESSION_NOT_FOUND');
    expect(malformed.status).toBe(400);
  });

  it('answers 404 once its room is deleted, and the restore does not bring the session back', async () => {
    const alice = newUser('alice');
    const roomId = await newRoom(alice);
    const session = (await openSession(alice, { room_id: roomId })).body.data;
    const roomCall = { sub: alice, pathParameters: { room_id: roomId } };

    await invoke(deleteRoomHandler, { method: 'DELETE', ...roomCall });
    const whileDeleted = await sessionCall(getSessionHandler, alice, session.session_id);
    await invoke(restoreRoomHandler, { method: 'POST', ...roomCall });
    const afterRestore = await sessionCall(getSessionHandler, alice, session.session_id);
    const fresh = await openSession(alice, { room_id: roomId });

    expect(whileDeleted.status).toBe(404);
    expect(whileDeleted.body.error.code).toBe('SESSION_NOT_FOUND');
    expect(afterRestore.status).toBe(404);
    expect(fresh.status).toBe(201);
    expect((await sessionCall(getSessionHandler, alice, fresh.body.data.session_id)).status).toBe(200);
  });
});

describe('session expiry (injected clock)', () => {
  async function sessionAt(clock: ManualClock) {
    const alice = newUser('alice');
    const room = (await createRoom(roomDeps(clock), { userId: alice, body: { room_name: 'r' } })).room;
    const deps = sessionDeps(clock);
    const session = await createSession(deps, alice, { room_id: room.room_id });
    return { alice, deps, session };
  }

  it('expires after 10 minutes without activity: 410 SESSION_EXPIRED', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const { alice, deps, session } = await sessionAt(clock);

    clock.advance(10 * MINUTE - 1);
    const stillActive = await getSession(deps, alice, session.session_id);
    clock.advance(1);

    expect(stillActive.session_id).toBe(session.session_id);
    await expect(getSession(deps, alice, session.session_id)).rejects.toMatchObject({
      code: 'SESSION_EXPIRED',
    });
  });

  it('lives 30 minutes at most, however active', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const { alice, deps, session } = await sessionAt(clock);

    for (let minute = 5; minute < 30; minute += 5) {
      clock.set(new Date(Date.parse('2026-03-01T10:00:00.000Z') + minute * MINUTE));
      await resetSession(deps, alice, session.session_id, 'general');
    }
    const view = toSessionView(await getSession(deps, alice, session.session_id), deps.policy);
    clock.set('2026-03-01T10:30:00.000Z');

    expect(view.expires_at).toBe('2026-03-01T10:30:00.000Z');
    await expect(getSession(deps, alice, session.session_id)).rejects.toMatchObject({
      code: 'SESSION_EXPIRED',
    });
    await expect(resetSession(deps, alice, session.session_id, undefined)).rejects.toMatchObject({
      code: 'SESSION_EXPIRED',
    });
  });

  it('is not kept alive by reading it', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const { alice, deps, session } = await sessionAt(clock);

    clock.advance(6 * MINUTE);
    await getSession(deps, alice, session.session_id);
    clock.advance(5 * MINUTE);

    await expect(getSession(deps, alice, session.session_id)).rejects.toMatchObject({
      code: 'SESSION_EXPIRED',
    });
  });

  it('can still be deleted once expired, and is then not found', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const { alice, deps, session } = await sessionAt(clock);
    clock.advance(45 * MINUTE);

    const deleted = await deleteSession(deps, alice, session.session_id);

    expect(deleted).toEqual({ session_id: session.session_id, deleted: true });
    await expect(getSession(deps, alice, session.session_id)).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
  });
});

describe('POST /api/session/{session_id}/reset', () => {
  it("resets one agent's memory: memory_reset_at is set, stored history stays", async () => {
    const alice = newUser('alice');
    const roomId = await newRoom(alice);
    await seedMessages(alice, roomId, [{ created_at: '2026-01-01T00:00:01.000Z', agent_type: 'medication' }]);
    const session = (await openSession(alice, { room_id: roomId })).body.data;

    const response = await sessionCall(resetSessionHandler, alice, session.session_id, {
      agent_type: 'medication',
    });
    const after = (await sessionCall(getSessionHandler, alice, session.session_id)).body.data;

    expect(response.body.data).toEqual({ session_id: session.session_id, reset_agents: ['medication'] });
    expect(after.agents.medication.memory_reset_at).toEqual(expect.any(String));
    expect(after.agents.general).toEqual({ memory_reset_at: null });
    expect(await storedMessages(alice, roomId)).toHaveLength(1);
  });

  it("resets every agent's memory when no agent_type is given (or no body at all)", async () => {
    const alice = newUser('alice');
    const session = (await openSession(alice, { room_id: await newRoom(alice) })).body.data;

    const withBody = await sessionCall(resetSessionHandler, alice, session.session_id, {});
    const withoutBody = await sessionCall(resetSessionHandler, alice, session.session_id);
    const after = (await sessionCall(getSessionHandler, alice, session.session_id)).body.data;

    expect(withBody.body.data.reset_agents).toEqual([...agentTypes]);
    expect(withoutBody.status).toBe(200);
    for (const agent of agentTypes) expect(after.agents[agent].memory_reset_at).toEqual(expect.any(String));
  });

  it('answers 400 for an unknown agent and 404 for an unknown session, changing nothing', async () => {
    const alice = newUser('alice');
    const session = (await openSession(alice, { room_id: await newRoom(alice) })).body.data;
    const before = await userItems(alice);

    const unknownAgent = await sessionCall(resetSessionHandler, alice, session.session_id, {
      agent_type: 'surgeon',
    });
    const unknownSession = await sessionCall(resetSessionHandler, alice, 'sess_unknown', {});

    expect(unknownAgent.status).toBe(400);
    expect(unknownAgent.body.error.details[0].path).toBe('body.agent_type');
    expect(unknownSession.status).toBe(404);
    expect(await userItems(alice)).toEqual(before);
  });
});

describe('DELETE /api/session/{session_id}', () => {
  it('deletes the session: 200, then 404 for it; a second delete is 404', async () => {
    const alice = newUser('alice');
    const session = (await openSession(alice, { room_id: await newRoom(alice) })).body.data;

    const deleted = await sessionCall(deleteSessionHandler, alice, session.session_id);
    const after = await sessionCall(getSessionHandler, alice, session.session_id);
    const again = await sessionCall(deleteSessionHandler, alice, session.session_id);

    expect(deleted).toMatchObject({
      status: 200,
      body: { data: { session_id: session.session_id, deleted: true } },
    });
    expect(after.status).toBe(404);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('SESSION_NOT_FOUND');
  });

  it("stops the session's live stream, and no other session's", async () => {
    const alice = newUser('alice');
    const roomId = await newRoom(alice);
    const session = (await openSession(alice, { room_id: roomId })).body.data;
    const other = (await openSession(alice, { room_id: roomId })).body.data;
    const ours = await startLiveStream(alice, { roomId, sessionId: session.session_id });
    const theirs = await startLiveStream(alice, { roomId, sessionId: other.session_id });

    await sessionCall(deleteSessionHandler, alice, session.session_id);

    expect(await isCancelRequested(alice, ours)).toBe(true);
    expect(await isCancelRequested(alice, theirs)).toBe(false);
  });
});
