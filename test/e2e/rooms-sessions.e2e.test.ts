import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, request, sharedKeyFile, startGatewayProcess } from '../support/gateway-process';

/** What a front-end developer does with curl against `npm start`, over real HTTP. */
describe('rooms and sessions over real HTTP', () => {
  let gateway: GatewayProcess;
  let api: (path: string, init?: Parameters<typeof request>[1]) => ReturnType<typeof request>;
  let aliceToken: string;
  let bobToken: string;

  beforeAll(async () => {
    gateway = await startGatewayProcess({ LOCAL_SIGNING_KEY_FILE: sharedKeyFile() });
    api = (path, init) => request(`${gateway.url}${path}`, init);
    const mint = async (user: string) =>
      (await api('/local/token', { method: 'POST', json: { user_id: user } })).body.data.token as string;
    aliceToken = await mint(`alice-${randomUUID().slice(0, 8)}`);
    bobToken = await mint(`bob-${randomUUID().slice(0, 8)}`);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('walks a room and a session through their life', async () => {
    const token = aliceToken;
    const key = { 'idempotency-key': randomUUID() };

    const created = await api('/api/rooms', {
      method: 'POST',
      token,
      headers: key,
      json: { room_name: 'Blood pressure', metadata: { color: 'red' } },
    });
    const retried = await api('/api/rooms', {
      method: 'POST',
      token,
      headers: key,
      json: { room_name: 'Blood pressure', metadata: { color: 'red' } },
    });
    expect(created.status).toBe(201);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    const roomId: string = created.body.data.room_id;
    expect(retried.body.data.room_id).toBe(roomId);
    expect(created.headers.get('location')).toBe(`/api/rooms/${roomId}`);

    const listed = await api('/api/rooms?limit=10&sort_by=created_at&order=asc', { token });
    expect(listed.body.data).toMatchObject({ total: 1, limit: 10, offset: 0, next_cursor: null });

    const renamed = await api(`/api/rooms/${roomId}`, { method: 'PATCH', token, json: { room_name: 'BP' } });
    expect(renamed.body.data).toMatchObject({ room_id: roomId, room_name: 'BP', metadata: { color: 'red' } });

    const session = await api('/api/session/create', {
      method: 'POST',
      token,
      json: { room_id: roomId, agent_type: 'medication' },
    });
    expect(session.status).toBe(201);
    const sessionId: string = session.body.data.session_id;
    expect((await api(`/api/session/${sessionId}`, { token })).body.data).toMatchObject({
      session_id: sessionId,
      room_id: roomId,
      agent_type: 'medication',
    });

    const reset = await api(`/api/session/${sessionId}/reset`, {
      method: 'POST',
      token,
      json: { agent_type: 'medication' },
    });
    expect(reset.body.data).toEqual({ session_id: sessionId, reset_agents: ['medication'] });

    const cleared = await api(`/api/session/${sessionId}/history`, { method: 'DELETE', token, json: {} });
    expect(cleared.body.data).toEqual({ session_id: sessionId, room_id: roomId, cleared: true });
    expect((await api(`/api/rooms/${roomId}/history`, { token })).body.data).toEqual({
      room_id: roomId,
      messages: [],
      next_cursor: null,
    });

    const deletedSession = await api(`/api/session/${sessionId}`, { method: 'DELETE', token });
    expect(deletedSession.body.data).toEqual({ session_id: sessionId, deleted: true });
    expect((await api(`/api/session/${sessionId}`, { token })).status).toBe(404);

    const deletedRoom = await api(`/api/rooms/${roomId}`, { method: 'DELETE', token });
    expect(deletedRoom.body.data).toMatchObject({ room_id: roomId, deleted: true });
    expect((await api(`/api/rooms/${roomId}`, { token })).body.error.code).toBe('ROOM_NOT_FOUND');
    expect(
      (await api('/api/session/create', { method: 'POST', token, json: { room_id: roomId } })).status,
    ).toBe(404);

    const restored = await api(`/api/rooms/${roomId}/restore`, { method: 'POST', token });
    expect(restored.body.data).toMatchObject({ room_id: roomId, is_deleted: false, room_name: 'BP' });
  });

  it("answers 404 for another user's room and the gateway's own 401 without a token", async () => {
    const room = await api('/api/rooms', {
      method: 'POST',
      token: aliceToken,
      json: { room_name: 'private' },
    });

    const asBob = await api(`/api/rooms/${room.body.data.room_id}`, { token: bobToken });
    const anonymous = await api('/api/rooms');

    expect(asBob.status).toBe(404);
    expect(asBob.body.error.code).toBe('ROOM_NOT_FOUND');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ message: 'Unauthorized' });
  });

  it('serves the deprecated alias with Deprecation and Link headers', async () => {
    const alias = await api('/api/chat/rooms', { token: bobToken });

    expect(alias.status).toBe(200);
    expect(alias.headers.get('deprecation')).toMatch(/^@\d+$/);
    expect(alias.headers.get('link')).toBe('</api/rooms>; rel="successor-version"');
  });

  it('answers the 11th create of the hour 429 with a Retry-After header', async () => {
    const carol = (
      await api('/local/token', { method: 'POST', json: { user_id: `carol-${randomUUID().slice(0, 8)}` } })
    ).body.data.token;
    for (let i = 0; i < 10; i++) {
      expect(
        (await api('/api/rooms', { method: 'POST', token: carol, json: { room_name: `r${i}` } })).status,
      ).toBe(201);
    }

    const limited = await api('/api/rooms', {
      method: 'POST',
      token: carol,
      json: { room_name: 'too many' },
    });

    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('rejects malformed JSON with 400 INVALID_JSON', async () => {
    const response = await api('/api/rooms', {
      method: 'POST',
      token: aliceToken,
      headers: { 'content-type': 'application/json' },
      body: '{"room_name":',
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_JSON');
  });
});
