import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, mintToken } from '../../local/local-issuer';
import { postStream, terminalEvent } from '../../scripts/support/sse-client';
import { type GatewayProcess, request, sharedKeyFile, startGatewayProcess } from '../support/gateway-process';
import { connect, type EventSocket, openSocket, webSocketUrl } from '../support/ws-client';

/**
 * Real-time events over real WebSocket connections, on two gateway processes sharing the test
 * run's DynamoDB Local: sockets held by gateway A receive the events of changes made through
 * gateway B, which only works because the events come from the tables' change streams (each
 * gateway reads them and posts to the sockets it holds), never from the process that made the change.
 */
const keyFile = sharedKeyFile();
const MARKER = `PRIVATE-SYMPTOM-${randomUUID()}`;
let a: GatewayProcess;
let b: GatewayProcess;
const sockets: EventSocket[] = [];

beforeAll(async () => {
  const fast = {
    LOCAL_MODEL_TOKENS_PER_SECOND: '200',
    LOCAL_MODEL_ANSWER_TOKENS: '20',
    LOCAL_SIGNING_KEY_FILE: keyFile,
  };
  [a, b] = await Promise.all([startGatewayProcess(fast), startGatewayProcess(fast)]);
});

afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.close()));
  await Promise.all([a?.stop(), b?.stop()]);
});

const tokenFor = (user: string, options: { expiresInSeconds?: number; now?: Date } = {}) =>
  mintToken(loadOrCreateSigningKey(keyFile), {
    sub: user,
    issuer: 'http://careguide.local',
    audience: 'careguide-local',
    ...options,
  });

async function socketFor(gateway: GatewayProcess, token: string): Promise<EventSocket> {
  const socket = await connect(webSocketUrl(gateway.url, token));
  sockets.push(socket);
  return socket;
}

describe('events of every type reach every connection of the user, and no one else', () => {
  it('two connections on gateway A and one on B see each change made through B once, with the right ids', async () => {
    const alice = `alice-${randomUUID().slice(0, 8)}`;
    const token = tokenFor(alice);
    const [first, second, onB] = await Promise.all([
      socketFor(a, token),
      socketFor(a, token),
      socketFor(b, token),
    ]);
    const bob = await socketFor(a, tokenFor(`bob-${randomUUID().slice(0, 8)}`));
    const api = (path: string, init: Parameters<typeof request>[1] = {}) =>
      request(`${b.url}${path}`, { token, ...init });

    const room = await api('/api/rooms', { method: 'POST', json: { room_name: 'Sleep' } });
    const roomId: string = room.body.data.room_id;
    await api(`/api/rooms/${roomId}`, { method: 'PATCH', json: { room_name: 'Sleep questions' } });
    const session = await api('/api/session/create', { method: 'POST', json: { room_id: roomId } });
    const sessionId: string = session.body.data.session_id;
    const stream = await postStream(`${b.url}/api/chat/message`, token, {
      query: `Why do I wake at night? ${MARKER}`,
      session_id: sessionId,
      room_id: roomId,
    });
    await stream.done;
    const started = stream.events[0] as { stream_id: string; request_id: string; message_id: string };
    expect(terminalEvent(stream.events)?.status).toBe('completed');
    await api(`/api/session/${sessionId}/history`, { method: 'DELETE' });
    await api(`/api/session/${sessionId}`, { method: 'DELETE' });
    await api(`/api/rooms/${roomId}`, { method: 'DELETE' });
    await api(`/api/rooms/${roomId}/restore`, { method: 'POST' });

    const expected = [
      { type: 'room.created', room_id: roomId },
      { type: 'room.updated', room_id: roomId },
      { type: 'session.created', room_id: roomId, session_id: sessionId },
      { type: 'stream.started', room_id: roomId, session_id: sessionId, stream_id: started.stream_id },
      {
        type: 'message.created',
        room_id: roomId,
        session_id: sessionId,
        message_id: started.message_id.replace(/_a$/, '_q'),
      },
      { type: 'message.created', room_id: roomId, session_id: sessionId, message_id: started.message_id },
      { type: 'stream.ended', session_id: sessionId, stream_id: started.stream_id },
      { type: 'history.cleared', room_id: roomId },
      { type: 'session.deleted', room_id: roomId, session_id: sessionId },
      { type: 'room.deleted', room_id: roomId },
      { type: 'room.restored', room_id: roomId },
    ];
    for (const socket of [first, second, onB]) {
      for (const wanted of expected)
        await socket.waitFor((frame) => Object.entries(wanted).every(([key, value]) => frame[key] === value));
      const frames = socket.received.map((item) => item.frame);
      for (const wanted of expected) expect(frames).toContainEqual(expect.objectContaining(wanted));
      // Each change once per connection (the gateways do not deliver each other's sockets twice).
      expect(frames.filter((frame) => frame.type === 'room.created')).toHaveLength(1);
      expect(frames.filter((frame) => frame.type === 'stream.ended')).toHaveLength(1);
      const answer = frames.find(
        (frame) => frame.type === 'message.created' && frame.message_id === started.message_id,
      );
      expect(answer.data).toMatchObject({ role: 'assistant', status: 'complete', room_id: roomId });
      expect(frames.find((frame) => frame.type === 'stream.ended')?.data).toEqual({
        stream_id: started.stream_id,
        status: 'completed',
      });
      for (const frame of frames) expect(Date.parse(frame.at)).not.toBeNaN();
    }

    // Bob was connected all along, to the same gateway: nothing of Alice's reached him.
    expect(bob.received).toEqual([]);
    // The question's text went to Alice's sockets, never into a log line.
    expect(a.output()).not.toContain(MARKER);
    expect(b.output()).not.toContain(MARKER);
  });
});

describe('the handshake', () => {
  const refusedWith = async (token: string | undefined) => {
    const result = await openSocket(webSocketUrl(a.url, token));
    if (result.kind === 'open') {
      await result.socket.close();
      return 'open';
    }
    return result.status;
  };

  it('is refused with 401 without a token, with a bad one, an expired one, or one signed by another key', async () => {
    const user = `carol-${randomUUID().slice(0, 8)}`;
    const expired = tokenFor(user, { now: new Date(Date.now() - 7_200_000), expiresInSeconds: 3600 });
    const foreign = mintToken(loadOrCreateSigningKey(sharedKeyFile()), {
      sub: user,
      issuer: 'http://careguide.local',
      audience: 'careguide-local',
    });

    expect(await refusedWith(undefined)).toBe(401);
    expect(await refusedWith('not-a-jwt')).toBe(401);
    expect(await refusedWith(expired)).toBe(401);
    expect(await refusedWith(foreign)).toBe(401);
    expect(await refusedWith(tokenFor(user))).toBe('open');
  });

  it('accepts 20 connections of a user and refuses the 21st with 429; a closed one makes room', async () => {
    const token = tokenFor(`dave-${randomUUID().slice(0, 8)}`);
    const open: EventSocket[] = [];
    for (let n = 0; n < 20; n++) open.push(await socketFor(n % 2 === 0 ? a : b, token));

    const refused = await openSocket(webSocketUrl(a.url, token));
    expect(refused).toEqual({ kind: 'refused', status: 429 });

    await open[0]?.close();
    await expect
      .poll(async () => (await openSocket(webSocketUrl(b.url, token))).kind, { timeout: 5_000 })
      .toBe('open');
  });
});

describe('client messages', () => {
  it('answers {"action":"ping"} with {"type":"pong"} and anything else with an error frame', async () => {
    const socket = await socketFor(a, tokenFor(`erin-${randomUUID().slice(0, 8)}`));

    socket.send({ action: 'ping' });
    await socket.waitFor((frame) => frame.type === 'pong');
    socket.send({ action: 'subscribe' });
    socket.send('not json');

    await expect.poll(() => socket.received.filter((item) => item.frame.type === 'error').length).toBe(2);
    expect(socket.received.map((item) => item.frame.type)).toEqual(['pong', 'error', 'error']);
  });
});
