import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, request, sharedKeyFile, startGatewayProcess } from '../support/gateway-process';

/** "Your data" as a new user tries it against `npm start`, over real HTTP (README, "Your data"). */
describe('export, audit trail, settings and account deletion over real HTTP', () => {
  let gateway: GatewayProcess;
  let api: (path: string, init?: Parameters<typeof request>[1]) => ReturnType<typeof request>;
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    gateway = await startGatewayProcess({ LOCAL_SIGNING_KEY_FILE: sharedKeyFile() });
    api = (path, init) => request(`${gateway.url}${path}`, init);
    const mint = async (user: string) =>
      (await api('/local/token', { method: 'POST', json: { user_id: user } })).body.data.token as string;
    token = await mint(`dana-${randomUUID().slice(0, 8)}`);
    otherToken = await mint(`eve-${randomUUID().slice(0, 8)}`);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('exports a room and everything, lists the audit trail, sets retention, deletes the account', async () => {
    const roomId: string = (await api('/api/rooms', { method: 'POST', token, json: { room_name: 'Sleep' } }))
      .body.data.room_id;
    const sessionId: string = (
      await api('/api/session/create', { method: 'POST', token, json: { room_id: roomId } })
    ).body.data.session_id;
    const answer = await api('/api/chat/message', {
      method: 'POST',
      token,
      json: { query: 'How long should an adult sleep?', session_id: sessionId, room_id: roomId },
    });
    expect(answer.text).toContain('"status":"completed"');

    const markdown = await api(`/api/rooms/${roomId}/export?format=markdown`, { token });
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get('content-disposition')).toBe(`attachment; filename="room-${roomId}.md"`);
    expect(markdown.text).toMatch(/^# Sleep\n/);
    expect(markdown.text).toContain('### You · general · complete');
    expect(markdown.text).toContain('How long should an adult sleep?');
    expect((await api(`/api/rooms/${roomId}/export`, { token: otherToken })).status).toBe(404);

    const everything = await api('/api/me/export', { token });
    expect(everything.status).toBe(200);
    expect(everything.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(everything.body.rooms[0].messages).toHaveLength(2);
    expect(everything.body.sessions[0].session_id).toBe(sessionId);

    const trail = await api('/api/me/audit?limit=100', { token });
    const actions = trail.body.data.events.map((event: { action: string }) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'room.create',
        'session.create',
        'message.send',
        'export.room',
        'export.account',
      ]),
    );
    expect(JSON.stringify(trail.body)).not.toContain('adult sleep');

    expect(
      (await api('/api/me/settings', { method: 'PATCH', token, json: { retention_days: 3651 } })).status,
    ).toBe(400);
    const settings = await api('/api/me/settings', { method: 'PATCH', token, json: { retention_days: 1 } });
    expect(settings.body.data).toMatchObject({ retention_days: 1, source: 'user' });

    expect((await api('/api/me', { method: 'DELETE', token })).status).toBe(400);
    expect((await api('/api/rooms', { token })).body.data.total).toBe(1);
    const deleted = await api('/api/me', { method: 'DELETE', token, json: { confirm: 'DELETE' } });
    expect(deleted.body.data).toMatchObject({ deleted: true, purge_completes_by: expect.any(String) });
    expect((await api('/api/rooms', { token })).body.data).toMatchObject({ rooms: [], total: 0 });
    expect((await api(`/api/rooms/${roomId}/export`, { token })).status).toBe(404);
    expect((await api('/api/me/settings', { token })).body.data.source).toBe('default');
    const after = await api('/api/me/audit?limit=100', { token });
    expect(after.body.data.events.map((event: { action: string }) => event.action)).toEqual(
      expect.arrayContaining(['account.delete', 'room.create']),
    );
  });
});
