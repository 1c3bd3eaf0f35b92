import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createStreamMessageHandler } from '../../../functions/chat/stream-message';
import { createAccountRepository } from '../../../shared/data/account-repository';
import { createActiveStreamsRepository } from '../../../shared/data/active-streams-repository';
import { keys } from '../../../shared/data/keys';
import type { ModelProvider } from '../../../shared/domain/chat/ports';
import { stopStream } from '../../../shared/domain/chat/stop-stream';
import { systemClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { deleteRoom } from '../../../shared/domain/rooms/delete-room';
import { roomHistory } from '../../../shared/domain/rooms/room-history';
import { clearSessionHistory } from '../../../shared/domain/sessions/clear-history';
import { createSession } from '../../../shared/domain/sessions/create-session';
import { deleteSession } from '../../../shared/domain/sessions/delete-session';
import { sessionPolicy } from '../../../shared/domain/sessions/session-policy';
import type { ChatStreamEvent } from '../../../shared/schemas/chat';
import { createChatStreamDeps } from '../../../shared/wiring/chat';
import { ScriptedTestModel } from '../../support/chat-fakes';
import {
  chatTableName,
  newUser,
  roomDeps,
  sessionDeps,
  storedMessages,
  streamsTableName,
  testDocumentClient,
} from '../../support/rooms-fixtures';
import { invokeStream } from '../../support/stream-invoke';
import { tokenFor } from '../../support/test-keys';

/** The real stream handler on DynamoDB Local, with a scripted model and a 20 ms poll. */
function handlerWith(model: ModelProvider) {
  const deps = createChatStreamDeps();
  return createStreamMessageHandler({ ...deps, model, settings: { ...deps.settings, pollIntervalMs: 20 } });
}

const activeStreams = () =>
  createActiveStreamsRepository({
    client: testDocumentClient(),
    tableName: streamsTableName(),
    clock: systemClock,
    maxLiveStreams: 5,
    leaseSeconds: 300,
  });

const words = (count: number) => Array.from({ length: count }, (_, index) => `word${index} `);

async function conversation(user = newUser()) {
  const { room } = await createRoom(roomDeps(systemClock), {
    userId: user,
    body: { room_name: 'Questions' },
  });
  const session = await createSession(sessionDeps(systemClock), user, { room_id: room.room_id });
  return { user, roomId: room.room_id, sessionId: session.session_id, token: tokenFor(user) };
}

type Conversation = Awaited<ReturnType<typeof conversation>>;

const post = (handler: unknown, chat: Conversation, body: Record<string, unknown> = {}) =>
  invokeStream(handler, {
    token: chat.token,
    body: {
      query: 'How much water should I drink?',
      session_id: chat.sessionId,
      room_id: chat.roomId,
      ...body,
    },
  });

const textOf = (events: readonly ChatStreamEvent[]) =>
  events.flatMap((event) => (event.status === 'streaming' ? [event.content] : [])).join('');

const history = async (chat: Conversation) =>
  (await roomHistory(roomDeps(systemClock), chat.user, chat.roomId, { limit: 50, order: 'asc' })).messages;

describe('POST /api/chat/message before the first byte', () => {
  const handler = handlerWith(new ScriptedTestModel(['x']));

  it('answers 401 UNAUTHORIZED in the envelope without a valid bearer token', async () => {
    const chat = await conversation();

    const missing = invokeStream(handler, {
      body: { query: 'q', session_id: chat.sessionId, room_id: chat.roomId },
    });
    const invalid = invokeStream(handler, {
      token: 'not.a.jwt',
      body: { query: 'q', session_id: chat.sessionId, room_id: chat.roomId },
    });
    await Promise.all([missing.done, invalid.done]);

    for (const answer of [missing, invalid]) {
      expect(answer.status()).toBe(401);
      expect(answer.json().error.code).toBe('UNAUTHORIZED');
    }
  });

  it.each([
    ['an empty query', { query: '' }, 'body.query'],
    ['a query over 8000 characters', { query: 'x'.repeat(8001) }, 'body.query'],
    ['an unknown agent', { agent_type: 'astrologer' }, 'body.agent_type'],
    ['an unknown field', { extra: 1 }, 'body'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_name, body, path) => {
    const chat = await conversation();

    const answer = post(handler, chat, body);
    await answer.done;

    expect(answer.status()).toBe(400);
    expect(answer.json().error.code).toBe('VALIDATION_ERROR');
    expect(answer.json().error.details.map((detail) => detail.path)).toContain(path);
  });

  it('accepts a query of exactly 8000 characters', async () => {
    const chat = await conversation();

    const answer = post(handler, chat, { query: 'y'.repeat(8000) });
    await answer.done;

    expect(answer.status()).toBe(200);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over 64 KB', async () => {
    const chat = await conversation();

    const answer = invokeStream(handler, {
      token: chat.token,
      body: `{"query":"q","session_id":"${chat.sessionId}","room_id":"${chat.roomId}","pad":"${'x'.repeat(65 * 1024)}"}`,
    });
    await answer.done;

    expect(answer.status()).toBe(413);
  });

  it("answers 404 for another user's session or room, and 410 for an expired session", async () => {
    const alice = await conversation();
    const mallory = { ...alice, user: newUser('mallory'), token: tokenFor(newUser('mallory')) };
    const expiredUser = newUser();
    const { room } = await createRoom(roomDeps(systemClock), {
      userId: expiredUser,
      body: { room_name: 'Old' },
    });
    const past = { now: () => new Date(Date.now() - sessionPolicy.lifetimeMs - 1000) };
    const old = await createSession(sessionDeps(past), expiredUser, { room_id: room.room_id });

    const foreign = post(handler, mallory);
    const expired = post(handler, {
      user: expiredUser,
      roomId: room.room_id,
      sessionId: old.session_id,
      token: tokenFor(expiredUser),
    });
    await Promise.all([foreign.done, expired.done]);

    expect(foreign.status()).toBe(404);
    expect(foreign.json().error.code).toBe('SESSION_NOT_FOUND');
    expect(expired.status()).toBe(410);
    expect(expired.json().error.code).toBe('SESSION_EXPIRED');
  });
});

describe('POST /api/chat/message streaming', () => {
  it('streams text/event-stream: started, deltas from seq 1, completed; and stores the question and the answer', async () => {
    const chat = await conversation();
    const handler = handlerWith(new ScriptedTestModel(['Drink ', 'to ', 'thirst.']));

    const answer = post(handler, chat);
    await answer.done;

    const events = answer.events();
    expect(answer.status()).toBe(200);
    expect(answer.headers()['content-type']).toMatch(/^text\/event-stream/);
    expect(events[0]).toMatchObject({ status: 'started' });
    expect(events.filter((event) => event.status === 'streaming').map((event) => event.seq)).toEqual([
      1, 2, 3,
    ]);
    expect(events.at(-1)).toMatchObject({
      status: 'completed',
      message_id: (events[0] as { message_id: string }).message_id,
    });
    const stored = await history(chat);
    expect(stored.map((message) => [message.role, message.status, message.content])).toEqual([
      ['user', 'complete', 'How much water should I drink?'],
      ['assistant', 'complete', 'Drink to thirst.'],
    ]);
    const room = await testDocumentClient().send(
      new GetCommand({
        TableName: chatTableName(),
        Key: keys.room(chat.user, chat.roomId),
        ConsistentRead: true,
      }),
    );
    expect(room.Item).toMatchObject({ message_count: 2, last_message_preview: 'Drink to thirst.' });
    expect(room.Item?.gsi1sk).toBe(`${room.Item?.last_activity}#${chat.roomId}`);
    const session = await testDocumentClient().send(
      new GetCommand({
        TableName: chatTableName(),
        Key: keys.session(chat.user, chat.sessionId),
        ConsistentRead: true,
      }),
    );
    expect(session.Item?.active_stream_id).toBeUndefined();
    expect(session.Item?.last_activity).toBe(room.Item?.last_activity);
  });

  it('starts one model call and stores one pair of messages for the same request_id sent twice', async () => {
    const chat = await conversation();
    const model = new ScriptedTestModel(['once']);
    const handler = handlerWith(model);

    const first = post(handler, chat, { request_id: 'retry-me' });
    await first.done;
    const retry = post(handler, chat, { request_id: 'retry-me' });
    await retry.done;

    expect(first.events().at(-1)).toMatchObject({ status: 'completed' });
    expect(first.events()[0]).toMatchObject({ request_id: 'retry-me' });
    expect(retry.status()).toBe(409);
    expect(retry.json().error.code).toBe('CONFLICT');
    expect(model.requests).toHaveLength(1);
    expect(await storedMessages(chat.user, chat.roomId)).toHaveLength(2);
  });

  it('lets exactly 5 of 20 parallel streams of one user start; the others get 429 STREAM_LIMIT_REACHED', async () => {
    const chat = await conversation();
    const model = new ScriptedTestModel(['slow'], { holdFirst: true });
    const handler = handlerWith(model);

    const answers = Array.from({ length: 20 }, () => post(handler, chat));
    const statuses = await Promise.all(
      answers.map(
        (answer) =>
          new Promise<number>((resolve) => {
            const poll = setInterval(() => {
              const status = answer.status();
              if (status !== undefined) {
                clearInterval(poll);
                resolve(status);
              }
            }, 5);
          }),
      ),
    );
    model.release();
    await Promise.all(answers.map((answer) => answer.done));

    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
    for (const answer of answers.filter((candidate) => candidate.status() === 429)) {
      expect(answer.json().error.code).toBe('STREAM_LIMIT_REACHED');
    }
  });

  it('ends with an error event when the model fails mid-stream, and stores the partial answer with status error', async () => {
    const chat = await conversation();
    const handler = handlerWith(new ScriptedTestModel(['Part ', 'one ', 'two'], { failAfter: 2 }));

    const answer = post(handler, chat);
    await answer.done;

    expect(answer.events().at(-1)).toEqual({
      status: 'error',
      code: 'MODEL_ERROR',
      message: 'The model could not complete the answer.',
    });
    const stored = await history(chat);
    expect(stored.at(-1)).toMatchObject({ role: 'assistant', status: 'error', content: 'Part one ' });
  });
});

describe('stopping a stream (POST /api/session/{session_id}/stop, use case on DynamoDB Local)', () => {
  const stopDeps = () => ({
    ...sessionDeps(systemClock),
    activeStreams: activeStreams(),
    settings: { pollIntervalMs: 100 },
  });

  it('stops it mid-stream: cancelled with exactly the text sent, stored as cancelled; a stop after the end stops nothing', async () => {
    const chat = await conversation();
    const handler = handlerWith(new ScriptedTestModel(words(400), { gapMs: 5 }));

    const answer = post(handler, chat);
    await answer.waitFor((event) => event.status === 'streaming' && event.seq === 5);
    const stopped = await stopStream(stopDeps(), chat.user, chat.sessionId, {});
    await answer.done;

    const events = answer.events();
    const started = events[0] as Extract<ChatStreamEvent, { status: 'started' }>;
    const cancelled = events.at(-1) as Extract<ChatStreamEvent, { status: 'cancelled' }>;
    expect(stopped).toMatchObject({
      session_id: chat.sessionId,
      stopped: true,
      stream_id: started.stream_id,
    });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.partial_response).toBe(textOf(events));
    // The stop waited for the loop: its text is the cancelled event's, exactly.
    expect(stopped.partial_response).toBe(cancelled.partial_response);
    expect((await history(chat)).at(-1)).toMatchObject({
      message_id: started.message_id,
      status: 'cancelled',
      content: cancelled.partial_response,
    });
    expect(
      await stopStream(stopDeps(), chat.user, chat.sessionId, { streamId: started.stream_id }),
    ).toMatchObject({
      stopped: false,
      stream_id: started.stream_id,
    });
  });

  it('stops it before its first token: cancelled with an empty partial and no delta', async () => {
    const chat = await conversation();
    const handler = handlerWith(new ScriptedTestModel(['late'], { holdFirst: true }));

    const answer = post(handler, chat);
    await answer.waitFor((event) => event.status === 'started');
    await stopStream(stopDeps(), chat.user, chat.sessionId, {});
    await answer.done;

    expect(answer.events().map((event) => event.status)).toEqual(['started', 'cancelled']);
    expect(answer.events().at(-1)).toEqual({ status: 'cancelled', partial_response: '' });
  });

  it('stops it before it registers: a stop by request_id leaves a tombstone that cancels it at once', async () => {
    const chat = await conversation();
    const model = new ScriptedTestModel(['never']);
    const handler = handlerWith(model);

    const early = await stopStream(stopDeps(), chat.user, chat.sessionId, { requestId: 'stop-me-first' });
    const answer = post(handler, chat, { request_id: 'stop-me-first' });
    await answer.done;

    expect(early).toEqual({
      session_id: chat.sessionId,
      stopped: false,
      stream_id: null,
      partial_response: null,
    });
    expect(answer.events().map((event) => event.status)).toEqual(['started', 'cancelled']);
    expect(model.requests).toHaveLength(0);
  });

  it("answers 404 for another user's session", async () => {
    const chat = await conversation();

    await expect(stopStream(stopDeps(), newUser('mallory'), chat.sessionId, {})).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
  });
});

describe('deleting or clearing during a stream', () => {
  const canceller = () => activeStreams();

  async function midStream(chat: Conversation) {
    const handler = handlerWith(new ScriptedTestModel(words(400), { gapMs: 5 }));
    const answer = post(handler, chat);
    await answer.waitFor((event) => event.status === 'streaming' && event.seq === 3);
    return answer;
  }

  it('deleting the room cancels the stream, and its end writes nothing into the deleted room', async () => {
    const chat = await conversation();
    const answer = await midStream(chat);

    await deleteRoom({ ...roomDeps(systemClock), streams: canceller() }, chat.user, chat.roomId);
    await answer.done;

    expect(answer.events().at(-1)?.status).toBe('cancelled');
    const stored = await storedMessages(chat.user, chat.roomId);
    expect(stored.map((item) => item.role)).toEqual(['user']);
    const room = await testDocumentClient().send(
      new GetCommand({
        TableName: chatTableName(),
        Key: keys.room(chat.user, chat.roomId),
        ConsistentRead: true,
      }),
    );
    expect(room.Item).toMatchObject({ is_deleted: true, message_count: 1 });
    expect(room.Item?.gsi1sk).toBeUndefined();
  });

  it('a stream that ends after an account deletion adds nothing to the rooms being purged', async () => {
    const chat = await conversation();
    const answer = await midStream(chat);

    // The worst order: the deletion commits before the stream sees its stop, so the answer's
    // write comes after the watermark and must not land in a room the background job may have
    // purged already.
    await createAccountRepository(testDocumentClient(), chatTableName()).requestDeletion(
      chat.user,
      new Date(),
      `job-${chat.user}`,
    );
    await canceller().cancelStreams(chat.user, { allOfUser: true });
    await answer.done;

    expect(answer.events().at(-1)?.status).toBe('cancelled');
    const stored = await storedMessages(chat.user, chat.roomId);
    // (The question too, when its write came after the deletion: the stream then ends without it.)
    expect(stored.filter((item) => item.role === 'assistant')).toEqual([]);
  });

  it('deleting the session cancels the stream, and its end does not bring the session back', async () => {
    const chat = await conversation();
    const answer = await midStream(chat);

    await deleteSession({ ...sessionDeps(systemClock), streams: canceller() }, chat.user, chat.sessionId);
    await answer.done;

    expect(answer.events().at(-1)?.status).toBe('cancelled');
    const session = await testDocumentClient().send(
      new GetCommand({
        TableName: chatTableName(),
        Key: keys.session(chat.user, chat.sessionId),
        ConsistentRead: true,
      }),
    );
    expect(session.Item).toBeUndefined();
    expect((await storedMessages(chat.user, chat.roomId)).map((item) => item.role)).toEqual(['user']);
  });

  it('clearing the history cancels the stream, and its answer does not reappear in the history', async () => {
    const chat = await conversation();
    const answer = await midStream(chat);

    await clearSessionHistory(
      { ...sessionDeps(systemClock), streams: canceller() },
      chat.user,
      chat.sessionId,
      undefined,
    );
    await answer.done;

    expect(answer.events().at(-1)?.status).toBe('cancelled');
    expect(await history(chat)).toEqual([]);
    expect((await storedMessages(chat.user, chat.roomId)).map((item) => item.role)).toEqual(['user']);
  });
});
