import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoDbClient, startDynamoDbLocal } from '../../local/dynamodb-local';
import { ensureTables, localTableNames } from '../../local/dynamodb-tables';
import { loadOrCreateSigningKey, mintToken } from '../../local/local-issuer';
import {
  postStream,
  resumeStream,
  type SseStream,
  streamedText,
  terminalEvent,
} from '../../scripts/support/sse-client';
import { chatTable, streamsTable } from '../../shared/data/table-definitions';
import type { ChatStreamEvent } from '../../shared/schemas/chat';
import { type GatewayProcess, request, sharedKeyFile, startGatewayProcess } from '../support/gateway-process';

/**
 * The stream log over real HTTP (DESIGN §4, "Resuming and following a stream"): gateway
 * processes that share DynamoDB Local and a signing key. A stream started on one process is
 * resumed and followed through another, survives its client, and is finished from its log when
 * its process is killed.
 */
const keyFile = sharedKeyFile();
const settings = {
  LOCAL_SIGNING_KEY_FILE: keyFile,
  CANCEL_POLL_INTERVAL_MS: '50',
  STREAM_LOG_FLUSH_MS: '100',
  STREAM_FOLLOW_INTERVAL_MS: '50',
  LOCAL_MODEL_TOKENS_PER_SECOND: '40',
  LOCAL_MODEL_ANSWER_TOKENS: '80',
  // Short, so a killed process's streams lapse within the test (processes cannot share a fake clock).
  STREAM_LEASE_SECONDS: '2',
};

let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  [a, b] = await Promise.all([startGatewayProcess(settings), startGatewayProcess(settings)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const tokenFor = (user: string) =>
  mintToken(loadOrCreateSigningKey(keyFile), {
    sub: user,
    issuer: 'http://careguide.local',
    audience: 'careguide-local',
  });

async function conversation(via: GatewayProcess, user = `user-${randomUUID().slice(0, 8)}`) {
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

const ask = (via: GatewayProcess, chat: Conversation, requestId?: string) =>
  postStream(`${via.url}/api/chat/message`, chat.token, {
    query: 'A question that does not matter here.',
    session_id: chat.sessionId,
    room_id: chat.roomId,
    ...(requestId ? { request_id: requestId } : {}),
  });

const streamIdOf = (stream: SseStream) =>
  (stream.events[0] as Extract<ChatStreamEvent, { status: 'started' }>).stream_id;

const eventsUrl = (via: GatewayProcess, streamId: string) => `${via.url}/api/chat/streams/${streamId}/events`;

async function historyOf(via: GatewayProcess, chat: Conversation) {
  const page = await request(`${via.url}/api/rooms/${chat.roomId}/history?order=asc`, { token: chat.token });
  return page.body.data.messages as { role: string; status: string; content: string; message_id: string }[];
}

/** Polls a read until it shows what is awaited (a lease lapsing takes real time between processes). */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || performance.now() > until) return value;
    await sleep(200);
  }
}

describe('resuming a stream (GET /api/chat/streams/{id}/events)', () => {
  it('continues through the other process after the client went away, with no gap and no duplicate, to the end', async () => {
    const chat = await conversation(a);
    const first = await ask(a, chat);
    await first.waitFor((event) => event.status === 'streaming' && event.seq === 5);
    first.abort();
    await first.done;
    const lastId = first.ids.at(-1) ?? 0;

    const resumed = await resumeStream(eventsUrl(b, streamIdOf(first)), chat.token, lastId);
    await resumed.done;

    const ids = [...first.ids, ...resumed.ids];
    expect(resumed.status).toBe(200);
    expect(ids).toEqual(ids.map((_, index) => index));
    expect(terminalEvent(resumed.events)?.status).toBe('completed');
    const text = streamedText(first.events) + streamedText(resumed.events);
    expect((await historyOf(b, chat)).at(-1)).toMatchObject({
      role: 'assistant',
      status: 'complete',
      content: text,
    });
    const state = await request(`${a.url}/api/chat/streams/${streamIdOf(first)}`, { token: chat.token });
    expect(state.body.data).toMatchObject({ status: 'completed', last_seq: 80 });
  });

  it('serves two readers at once, on two processes, the same events as the stream sent', async () => {
    const chat = await conversation(a);
    const original = await ask(a, chat);
    await original.waitFor((event) => event.status === 'started');

    const [one, two] = await Promise.all([
      resumeStream(eventsUrl(a, streamIdOf(original)), chat.token),
      resumeStream(eventsUrl(b, streamIdOf(original)), chat.token),
    ]);
    await Promise.all([original.done, one.done, two.done]);

    expect(one.events).toEqual(original.events);
    expect(two.events).toEqual(original.events);
    expect(two.ids).toEqual(original.ids);
  });

  it("replays a stream that has ended from any point, and the stop answers with the cancelled event's text", async () => {
    const chat = await conversation(a);
    const original = await ask(a, chat);
    await original.waitFor((event) => event.status === 'streaming' && event.seq === 4);
    const stop = await request(`${b.url}/api/session/${chat.sessionId}/stop`, {
      method: 'POST',
      token: chat.token,
      json: {},
    });
    await original.done;
    const cancelled = terminalEvent(original.events) as Extract<ChatStreamEvent, { status: 'cancelled' }>;

    const replay = await resumeStream(eventsUrl(b, streamIdOf(original)), chat.token, 2);
    const byQuery = await request(`${b.url}/api/chat/streams/${streamIdOf(original)}/events?after_seq=2`, {
      token: chat.token,
    });
    await replay.done;

    expect(stop.body.data).toMatchObject({ stopped: true, partial_response: cancelled.partial_response });
    expect(cancelled.status).toBe('cancelled');
    expect(replay.events).toEqual(original.events.slice(3));
    expect(replay.ids).toEqual(original.ids.slice(3));
    expect(byQuery.text).toContain(`data: ${JSON.stringify(cancelled)}`);
  });

  it("answers 404 for another user's stream or an unknown one, and 401 without a token", async () => {
    const chat = await conversation(a);
    const stream = await ask(a, chat);
    await stream.done;
    const stranger = tokenFor(`user-${randomUUID().slice(0, 8)}`);

    const theirs = await request(eventsUrl(b, streamIdOf(stream)), { token: stranger });
    const theirState = await request(`${b.url}/api/chat/streams/${streamIdOf(stream)}`, { token: stranger });
    const unknown = await request(eventsUrl(b, 'stream_unknown'), { token: chat.token });
    const anonymous = await request(eventsUrl(b, streamIdOf(stream)));

    expect([theirs.status, theirState.status, unknown.status, anonymous.status]).toEqual([
      404, 404, 404, 401,
    ]);
    expect(theirs.body.error.code).toBe('STREAM_NOT_FOUND');
  });
});

describe('a gateway killed mid-stream', () => {
  it('leaves answers that are finished from the log as interrupted, holding a prefix of what each client saw, and frees their request_id', async () => {
    const doomed = await startGatewayProcess(settings);
    const chats = await Promise.all([conversation(doomed), conversation(doomed)]);
    const requestIds = chats.map(() => `req-${randomUUID()}`);
    const streams = await Promise.all(chats.map((chat, index) => ask(doomed, chat, requestIds[index])));
    await Promise.all(
      streams.map((stream) => stream.waitFor((event) => event.status === 'streaming' && event.seq === 10)),
    );

    await doomed.stop('SIGKILL');
    await Promise.all(streams.map((stream) => stream.done));
    const restarted = await startGatewayProcess(settings);
    try {
      for (const [index, chat] of chats.entries()) {
        const seen = streamedText(streams[index]?.events ?? []);
        const answer = await eventually(
          async () => (await historyOf(restarted, chat)).find((message) => message.role === 'assistant'),
          (message) => message !== undefined,
        );
        expect(answer?.status).toBe('interrupted');
        expect(answer?.content.length).toBeGreaterThan(0);
        expect(seen.startsWith(answer?.content ?? '-')).toBe(true);
        const state = await request(
          `${restarted.url}/api/chat/streams/${streamIdOf(streams[index] as SseStream)}`,
          {
            token: chat.token,
          },
        );
        expect(state.body.data.status).toBe('interrupted');
        const replay = await resumeStream(
          eventsUrl(restarted, streamIdOf(streams[index] as SseStream)),
          chat.token,
          0,
        );
        await replay.done;
        expect(streamedText(replay.events)).toBe(answer?.content);
        expect(terminalEvent(replay.events)).toMatchObject({ status: 'error', code: 'STREAM_INTERRUPTED' });
        const session = await request(`${restarted.url}/api/session/${chat.sessionId}`, {
          token: chat.token,
        });
        expect(session.body.data.active_stream_id).toBeNull();

        const retried = await ask(restarted, chat, requestIds[index]);
        await retried.done;
        expect(retried.status).toBe(200);
        expect(terminalEvent(retried.events)?.status).toBe('completed');
      }
    } finally {
      await restarted.stop();
    }
  });
});

describe('a DynamoDB that stops answering (its process frozen)', () => {
  let frozen: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;
  // Runs even if the test times out: a stopped DynamoDB Local would otherwise outlive the run.
  afterAll(async () => {
    frozen?.signal('SIGCONT');
    await frozen?.stop();
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After within seconds, ends the stream with an error, and stores the answer once it is back', async () => {
    const dynamodb = await startDynamoDbLocal({ inMemory: true });
    frozen = dynamodb;
    const tables = localTableNames('frozen-');
    const client = createLocalDynamoDbClient(dynamodb.endpoint);
    await ensureTables(client, [
      { definition: chatTable, name: tables.chat },
      { definition: streamsTable, name: tables.streams },
    ]);
    client.destroy();
    const gateway = await startGatewayProcess({
      ...settings,
      STREAM_LEASE_SECONDS: '6',
      LOCAL_MODEL_ANSWER_TOKENS: '2000',
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      CHAT_TABLE_NAME: tables.chat,
      STREAMS_TABLE_NAME: tables.streams,
    });
    try {
      const chat = await conversation(gateway);
      const stream = await ask(gateway, chat);
      await stream.waitFor((event) => event.status === 'streaming' && event.seq === 5);

      dynamodb.signal('SIGSTOP');
      const askedAt = performance.now();
      const rooms = await request(`${gateway.url}/api/rooms`, { token: chat.token });
      const answeredMs = performance.now() - askedAt;
      await stream.done;
      dynamodb.signal('SIGCONT');

      expect(rooms.status).toBe(503);
      expect(rooms.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(Number(rooms.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(answeredMs).toBeLessThan(8_000);
      expect(terminalEvent(stream.events)).toMatchObject({ status: 'error', code: 'INTERNAL' });
      const answer = await eventually(
        async () => (await historyOf(gateway, chat)).find((message) => message.role === 'assistant'),
        (message) => message !== undefined,
      );
      expect(streamedText(stream.events).startsWith(answer?.content ?? '-')).toBe(true);
    } finally {
      dynamodb.signal('SIGCONT');
      await gateway.stop();
      await dynamodb.stop();
    }
  });
});
