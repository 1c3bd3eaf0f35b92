import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, mintToken } from '../../local/local-issuer';
import { postStream, streamedText, terminalEvent } from '../../scripts/support/sse-client';
import { createActiveStreamsRepository } from '../../shared/data/active-streams-repository';
import { ManualClock } from '../../shared/domain/clock';
import { LOCAL_MODEL_SCRIPT } from '../../shared/model/local-scripted-model';
import type { ChatStreamEvent } from '../../shared/schemas/chat';
import { type GatewayProcess, request, sharedKeyFile, startGatewayProcess } from '../support/gateway-process';
import { streamsTableName, testDocumentClient } from '../support/rooms-fixtures';

/**
 * The chat stream over real HTTP, on local gateway processes that share the test run's DynamoDB
 * Local and a signing key: a stream started on one process is stopped through another, which
 * works only because everything a stream's life needs is in DynamoDB.
 */
const keyFile = sharedKeyFile();
/** Every query carries it: it must never appear in any process's output. */
const MARKER = `PRIVATE-SYMPTOM-${randomUUID()}`;
/** STREAM_LEASE_SECONDS of the gateway processes (the default). */
const LEASE_SECONDS = 300;
const fast = {
  CANCEL_POLL_INTERVAL_MS: '50',
  LOCAL_MODEL_TOKENS_PER_SECOND: '50',
  LOCAL_MODEL_ANSWER_TOKENS: '500',
};

let a: GatewayProcess;
let b: GatewayProcess;
/** Its model takes a second for its first word. */
let slow: GatewayProcess;

beforeAll(async () => {
  [a, b, slow] = await Promise.all([
    startGatewayProcess({ LOCAL_SIGNING_KEY_FILE: keyFile, ...fast }),
    startGatewayProcess({ LOCAL_SIGNING_KEY_FILE: keyFile, ...fast }),
    startGatewayProcess({ LOCAL_SIGNING_KEY_FILE: keyFile, ...fast, LOCAL_MODEL_TOKENS_PER_SECOND: '1' }),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), slow?.stop()]);
});

const tokenFor = (user: string) =>
  mintToken(loadOrCreateSigningKey(keyFile), {
    sub: user,
    issuer: 'http://careguide.local',
    audience: 'careguide-local',
  });

async function conversation(via: GatewayProcess) {
  const user = `user-${randomUUID().slice(0, 8)}`;
  const token = tokenFor(user);
  const room = await request(`${via.url}/api/rooms`, { method: 'POST', token, json: { room_name: 'Chat' } });
  const roomId: string = room.body.data.room_id;
  const session = await request(`${via.url}/api/session/create`, {
    method: 'POST',
    token,
    json: { room_id: roomId },
  });
  return { user, token, roomId, sessionId: session.body.data.session_id as string };
}

type Conversation = Awaited<ReturnType<typeof conversation>>;

const ask = (via: GatewayProcess, chat: Conversation, extra: Record<string, unknown> = {}) =>
  postStream(`${via.url}/api/chat/message`, chat.token, {
    query: `${MARKER}: I have a headache after my new medication`,
    session_id: chat.sessionId,
    room_id: chat.roomId,
    ...extra,
  });

const stop = (via: GatewayProcess, chat: Conversation, body: Record<string, unknown> = {}) =>
  request(`${via.url}/api/session/${chat.sessionId}/stop`, { method: 'POST', token: chat.token, json: body });

const history = async (via: GatewayProcess, chat: Conversation) =>
  (await request(`${via.url}/api/rooms/${chat.roomId}/history?order=asc`, { token: chat.token })).body.data
    .messages as {
    role: string;
    status: string;
    content: string;
    message_id: string;
  }[];

describe('the chat stream across two gateway processes', () => {
  it('is started on one process, stopped through the other, ends with cancelled, and its partial answer is stored', async () => {
    const chat = await conversation(a);
    const stream = await ask(a, chat);
    const started = (await stream.waitFor((event) => event.status === 'started')) as Extract<
      ChatStreamEvent,
      { status: 'started' }
    >;
    await stream.waitFor((event) => event.status === 'streaming' && event.seq >= 5);

    const stopped = await stop(b, chat);
    await stream.done;

    expect(stream.status).toBe(200);
    expect(stopped.status).toBe(200);
    expect(stopped.body.data).toMatchObject({
      session_id: chat.sessionId,
      stopped: true,
      stream_id: started.stream_id,
    });
    const cancelled = terminalEvent(stream.events) as Extract<ChatStreamEvent, { status: 'cancelled' }>;
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.partial_response).toBe(streamedText(stream.events));
    expect(cancelled.partial_response.startsWith(stopped.body.data.partial_response)).toBe(true);
    expect(
      stream.events.filter((event) => ['completed', 'cancelled', 'error'].includes(event.status)),
    ).toHaveLength(1);
    const stored = await history(b, chat);
    expect(stored.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'cancelled'],
    ]);
    expect(stored[1]).toMatchObject({ message_id: started.message_id, content: cancelled.partial_response });
  });

  it('honours a stop through the other process before the first token', async () => {
    const chat = await conversation(slow);
    const stream = await ask(slow, chat);
    await stream.waitFor((event) => event.status === 'started');

    const stopped = await stop(b, chat);
    await stream.done;

    expect(stopped.body.data.stopped).toBe(true);
    expect(stream.events.map((event) => event.status)).toEqual(['started', 'cancelled']);
    expect(terminalEvent(stream.events)).toEqual({ status: 'cancelled', partial_response: '' });
    expect(
      (await history(a, chat)).map((message) => [message.role, message.status, message.content]),
    ).toEqual([
      ['user', 'complete', expect.stringContaining(MARKER)],
      ['assistant', 'cancelled', ''],
    ]);
  });

  it('honours a stop that arrives before the stream registers (tombstone by request_id)', async () => {
    const chat = await conversation(a);
    const requestId = `req-${randomUUID()}`;

    const stopped = await stop(b, chat, { request_id: requestId });
    const stream = await ask(a, chat, { request_id: requestId });
    await stream.done;

    expect(stopped.body.data).toEqual({
      session_id: chat.sessionId,
      stopped: false,
      stream_id: null,
      partial_response: null,
    });
    expect(stream.events.map((event) => event.status)).toEqual(['started', 'cancelled']);
    expect(stream.events[0]).toMatchObject({ request_id: requestId });
  });

  it('answers a retried POST with the same request_id 409, on any process, and stores one pair of messages', async () => {
    const chat = await conversation(a);
    const requestId = `req-${randomUUID()}`;
    const first = await ask(a, chat, { request_id: requestId });
    await first.waitFor((event) => event.status === 'started');

    const whileRunning = await ask(b, chat, { request_id: requestId });
    await stop(a, chat);
    await first.done;
    const afterwards = await ask(b, chat, { request_id: requestId });

    expect(whileRunning.status).toBe(409);
    expect(afterwards.status).toBe(409);
    expect(afterwards.json).toMatchObject({ error: { code: 'CONFLICT' } });
    expect((await history(b, chat)).map((message) => message.role)).toEqual(['user', 'assistant']);
  });

  it('lets exactly 5 of 20 parallel streams of one user start across both processes; the others get 429', async () => {
    const chat = await conversation(a);

    const streams = await Promise.all(
      Array.from({ length: 20 }, (_, index) => ask(index % 2 === 0 ? a : b, chat)),
    );
    const live = streams.filter((stream) => stream.status === 200);
    await Promise.all(live.map((stream) => stream.waitFor((event) => event.status === 'started')));
    await stop(b, chat);
    await Promise.all(live.map((stream) => stream.done));

    expect(live).toHaveLength(5);
    const refused = streams.filter((stream) => stream.status !== 200);
    expect(refused.map((stream) => stream.status)).toEqual(Array(15).fill(429));
    expect(refused[0]?.json).toMatchObject({ error: { code: 'STREAM_LIMIT_REACHED' } });
    for (const stream of live) expect(terminalEvent(stream.events)?.status).toBe('cancelled');
  });

  it('deleting the room through the other process cancels the stream, and nothing comes back', async () => {
    const chat = await conversation(a);
    const stream = await ask(a, chat);
    await stream.waitFor((event) => event.status === 'streaming');

    const deleted = await request(`${b.url}/api/rooms/${chat.roomId}`, {
      method: 'DELETE',
      token: chat.token,
    });
    await stream.done;

    expect(deleted.status).toBe(200);
    expect(terminalEvent(stream.events)?.status).toBe('cancelled');
    expect((await request(`${b.url}/api/rooms/${chat.roomId}`, { token: chat.token })).status).toBe(404);
    const restored = await request(`${b.url}/api/rooms/${chat.roomId}/restore`, {
      method: 'POST',
      token: chat.token,
    });
    expect(restored.body.data.message_count).toBe(1);
    expect((await history(b, chat)).map((message) => message.role)).toEqual(['user']);
  });

  it('keeps the slots of a killed process held in DynamoDB (they free when their leases lapse)', async () => {
    const doomed = await startGatewayProcess({
      LOCAL_SIGNING_KEY_FILE: keyFile,
      ...fast,
      LOCAL_MODEL_TOKENS_PER_SECOND: '1',
    });
    const chat = await conversation(a);
    const streams = await Promise.all(Array.from({ length: 5 }, () => ask(doomed, chat)));
    await Promise.all(streams.map((stream) => stream.waitFor((event) => event.status === 'started')));

    await doomed.stop('SIGKILL');
    const sixth = await ask(a, chat);
    // What the killed process left in DynamoDB, read as another process will see it once the
    // leases have lapsed (injected time: the test does not wait five minutes).
    const lapsed = new ManualClock(new Date(Date.now() + LEASE_SECONDS * 1000 + 1000));
    const registry = (clock: ManualClock) =>
      createActiveStreamsRepository({
        client: testDocumentClient(),
        tableName: streamsTableName(),
        clock,
        maxLiveStreams: 5,
        leaseSeconds: LEASE_SECONDS,
      });
    const target = { sessionId: chat.sessionId, requestId: `req_${randomUUID()}`, requestedAt: new Date() };
    const now = await registry(new ManualClock(new Date())).admission(chat.user, target);
    const later = await registry(lapsed).admission(chat.user, target);

    expect(streams.map((stream) => stream.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sixth.status).toBe(429);
    expect(now.freeSlots).toEqual([]);
    expect(later.freeSlots).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('privacy of the chat stream', () => {
  it('never writes the question or the answer text to any process output', () => {
    const outputs = [a.output(), b.output(), slow.output()].join('\n');
    const answerFragments = LOCAL_MODEL_SCRIPT.map((sentence) => sentence.split(' ').slice(0, 5).join(' '));

    expect(outputs).toContain('Stream ended');
    expect(outputs).not.toContain(MARKER);
    expect(outputs).not.toContain('headache');
    for (const fragment of answerFragments) expect(outputs).not.toContain(fragment);
  });
});
