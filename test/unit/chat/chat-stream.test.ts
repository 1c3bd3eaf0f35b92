import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openChatStream } from '../../../shared/domain/chat/open-chat-stream';
import type { ChatStreamDeps } from '../../../shared/domain/chat/ports';
import { ManualClock } from '../../../shared/domain/clock';
import type { ChatStreamEvent } from '../../../shared/schemas/chat';
import {
  FakeActiveStreams,
  FakeConversation,
  RecordingObserver,
  ScriptedTestModel,
  sessionRecord,
} from '../../support/chat-fakes';

const words = (count: number) => Array.from({ length: count }, (_, index) => `w${index} `);

function setup(model: ScriptedTestModel, settings: Partial<ChatStreamDeps['settings']> = {}) {
  const clock = new ManualClock('2026-01-01T00:05:00.000Z');
  const activeStreams = new FakeActiveStreams(clock);
  const conversation = new FakeConversation();
  const observer = new RecordingObserver();
  const deps: ChatStreamDeps = {
    activeStreams,
    conversation,
    model,
    clock,
    observer,
    settings: {
      pollIntervalMs: 5,
      logFlushMs: 10,
      maxDurationMs: 600_000,
      leaseMs: 300_000,
      contextTurns: 20,
      ...settings,
    },
  };
  const input = {
    userId: 'alice',
    query: 'a question',
    sessionId: 'sess_1',
    roomId: 'room_1',
    receivedAt: clock.now(),
  };
  return { clock, activeStreams, conversation, observer, deps, input };
}

async function collect(events: AsyncIterable<ChatStreamEvent>, onEvent?: (event: ChatStreamEvent) => void) {
  const seen: ChatStreamEvent[] = [];
  for await (const event of events) {
    seen.push(event);
    onEvent?.(event);
  }
  return seen;
}

/**
 * `collect` on fake timers (the model's gaps and the poll interval): time moves 1 ms at a
 * time while the stream waits, so what happens between polls never depends on the machine.
 */
async function collectOnFakeTimers(
  events: AsyncIterable<ChatStreamEvent>,
  onEvent?: (event: ChatStreamEvent) => void,
) {
  return driveFakeTimers(collect(events, onEvent));
}

async function driveFakeTimers<T>(work: Promise<T>): Promise<T> {
  let finished = false;
  const settled = work.finally(() => {
    finished = true;
  });
  for (let ms = 0; !finished && ms < 600_000; ms++) await vi.advanceTimersByTimeAsync(1);
  return settled;
}

const deltas = (events: readonly ChatStreamEvent[]) =>
  events.flatMap((event) => (event.status === 'streaming' ? [event] : []));
const terminal = (events: readonly ChatStreamEvent[]) => events.at(-1);

afterEach(() => {
  vi.useRealTimers();
});

describe('a chat stream', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });

  it('sends started, the deltas with seq 1, 2, 3…, then completed with the usage, and stores both messages', async () => {
    const model = new ScriptedTestModel(['Hel', 'lo', ' there']);
    const { deps, input, conversation, activeStreams } = setup(model);

    const stream = await openChatStream(deps, input);
    const events = await collectOnFakeTimers(stream.events());

    expect(events[0]).toEqual({
      status: 'started',
      stream_id: stream.streamId,
      message_id: stream.messageId,
      request_id: stream.requestId,
    });
    expect(deltas(events).map((event) => [event.seq, event.content])).toEqual([
      [1, 'Hel'],
      [2, 'lo'],
      [3, ' there'],
    ]);
    expect(terminal(events)).toEqual({
      status: 'completed',
      message_id: stream.messageId,
      usage: { input_tokens: 7, output_tokens: 3, total_tokens: 10 },
    });
    expect(events.filter((event) => ['completed', 'cancelled', 'error'].includes(event.status))).toHaveLength(
      1,
    );
    expect(
      conversation.recorded.map((record) => [
        record.message.role,
        record.message.status,
        record.message.content,
      ]),
    ).toEqual([
      ['user', 'complete', 'a question'],
      ['assistant', 'complete', 'Hello there'],
    ]);
    expect(conversation.answer()?.message.message_id).toBe(stream.messageId);
    expect(activeStreams.finished).toEqual([{ streamId: stream.streamId, status: 'complete' }]);
    expect(conversation.released).toEqual([stream.streamId]);
  });

  it('reports its summary (logs and metrics) when it ends, not when it is opened or has started', async () => {
    const model = new ScriptedTestModel(['a', 'b']);
    const { deps, input, observer } = setup(model);
    const stream = await openChatStream(deps, input);
    const events = stream.events();

    await events.next();
    const afterStarted = observer.summaries.length;
    await collectOnFakeTimers(events);

    expect(afterStarted).toBe(0);
    expect(observer.summaries).toHaveLength(1);
    expect(observer.summaries[0]).toMatchObject({ status: 'complete', deltas: 2, stored: 'recorded' });
  });

  it('shows the model the agent system prompt and only the agent turns after its memory reset', async () => {
    const model = new ScriptedTestModel(['ok']);
    const { deps, input, conversation } = setup(model);
    conversation.session = sessionRecord({
      agents: { medication: { memory_reset_at: '2026-01-01T00:02:00.000Z' } },
    });
    const turn = (role: 'user' | 'assistant', agent: string, minute: number, content: string) => ({
      message_id: `m${minute}`,
      room_id: 'room_1',
      session_id: 'sess_1',
      role,
      agent_type: agent,
      content,
      status: 'complete' as const,
      created_at: `2026-01-01T00:0${minute}:00.000Z`,
    });
    conversation.history = [
      turn('user', 'medication', 1, 'before reset'),
      turn('user', 'medication', 3, 'q1'),
      turn('assistant', 'medication', 4, 'a1'),
      turn('user', 'general', 4, 'other agent'),
    ];

    const stream = await openChatStream(deps, { ...input, agentType: 'medication' });
    await collectOnFakeTimers(stream.events());

    expect(model.requests[0]?.systemPrompt).toContain('medication assistant');
    expect(model.requests[0]?.turns).toEqual([
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'a question' },
    ]);
  });

  it('ends with cancelled whose partial_response is exactly the deltas sent before it, stores it, and aborts the model', async () => {
    const model = new ScriptedTestModel(words(200), { gapMs: 2 });
    const { deps, input, conversation, activeStreams, clock } = setup(model);
    const stream = await openChatStream(deps, input);

    const events = await collectOnFakeTimers(stream.events(), (event) => {
      if (event.status === 'streaming' && event.seq === 3) {
        activeStreams.current().cancel = { requestedAt: clock.now(), reason: 'stop' };
      }
    });

    const sent = deltas(events)
      .map((event) => event.content)
      .join('');
    expect(deltas(events).length).toBeGreaterThanOrEqual(3);
    expect(deltas(events).length).toBeLessThan(200);
    expect(terminal(events)).toEqual({ status: 'cancelled', partial_response: sent });
    expect(conversation.answer()?.message).toMatchObject({ status: 'cancelled', content: sent });
    expect(model.signal?.aborted).toBe(true);
    expect(activeStreams.finished).toEqual([{ streamId: stream.streamId, status: 'cancelled' }]);
  });

  it('honours a stop that comes before the first token: cancelled with an empty partial, no delta', async () => {
    const model = new ScriptedTestModel(['never'], { holdFirst: true });
    const { deps, input, conversation, activeStreams, clock } = setup(model);
    const stream = await openChatStream(deps, input);

    const events = await collectOnFakeTimers(stream.events(), (event) => {
      if (event.status === 'started')
        activeStreams.current().cancel = { requestedAt: clock.now(), reason: 'stop' };
    });

    expect(events.map((event) => event.status)).toEqual(['started', 'cancelled']);
    expect(terminal(events)).toEqual({ status: 'cancelled', partial_response: '' });
    expect(conversation.answer()?.message).toMatchObject({ status: 'cancelled', content: '' });
    expect(model.signal?.aborted).toBe(true);
  });

  it('registered under a tombstone (a stop before registration), it ends at once and never calls the model', async () => {
    const model = new ScriptedTestModel(['never']);
    const { deps, input, activeStreams, conversation, clock, observer } = setup(model);
    activeStreams.tombstone = { requestedAt: new Date(clock.now().getTime() - 40), reason: 'stop' };
    clock.advance(10);

    const stream = await openChatStream(deps, input);
    const events = await collectOnFakeTimers(stream.events());

    expect(events.map((event) => event.status)).toEqual(['started', 'cancelled']);
    expect(model.requests).toHaveLength(0);
    expect(conversation.recorded.map((record) => record.message.status)).toEqual(['complete', 'cancelled']);
    expect(observer.summaries[0]).toMatchObject({
      status: 'cancelled',
      cancelReason: 'stop',
      stopLatencyMs: 50,
    });
  });

  it('ends with an error event when the model fails mid-stream, storing the partial answer with status error', async () => {
    const model = new ScriptedTestModel(['one ', 'two ', 'three'], { failAfter: 2 });
    const { deps, input, conversation, observer } = setup(model);

    const stream = await openChatStream(deps, input);
    const events = await collectOnFakeTimers(stream.events());

    expect(deltas(events).map((event) => event.content)).toEqual(['one ', 'two ']);
    expect(terminal(events)).toEqual({
      status: 'error',
      code: 'MODEL_ERROR',
      message: 'The model could not complete the answer.',
    });
    expect(conversation.answer()?.message).toMatchObject({ status: 'error', content: 'one two ' });
    expect(observer.summaries[0]).toMatchObject({ status: 'error', errorType: 'MODEL_ERROR' });
  });

  it('ends by itself at its maximum duration, storing what was sent as interrupted', async () => {
    const model = new ScriptedTestModel(words(500), { gapMs: 2 });
    const { deps, input, conversation, clock } = setup(model, { maxDurationMs: 60_000 });
    const stream = await openChatStream(deps, input);

    const events = await collectOnFakeTimers(stream.events(), (event) => {
      if (event.status === 'streaming' && event.seq === 2) clock.advance(60_000);
    });

    expect(terminal(events)).toMatchObject({ status: 'error', code: 'MAX_DURATION_EXCEEDED' });
    const sent = deltas(events)
      .map((event) => event.content)
      .join('');
    expect(conversation.answer()?.message).toMatchObject({ status: 'interrupted', content: sent });
    expect(model.signal?.aborted).toBe(true);
  });

  it('cancels itself and stores nothing more when the room or session went away before its question was stored', async () => {
    const model = new ScriptedTestModel(words(100), { gapMs: 2 });
    const { deps, input, conversation, activeStreams } = setup(model);
    conversation.outcomes = ['gone'];

    const stream = await openChatStream(deps, input);
    const events = await collectOnFakeTimers(stream.events());

    expect(terminal(events)).toMatchObject({ status: 'cancelled' });
    expect(conversation.recorded).toEqual([]);
    expect(activeStreams.finished).toEqual([{ streamId: stream.streamId, status: 'cancelled' }]);
  });

  it('drops the answer (and still ends cleanly) when its room was deleted during the stream', async () => {
    const model = new ScriptedTestModel(['a ', 'b']);
    const { deps, input, conversation, observer } = setup(model);
    conversation.outcomes = ['recorded', 'gone'];

    const stream = await openChatStream(deps, input);
    const events = await collectOnFakeTimers(stream.events());

    expect(terminal(events)).toMatchObject({ status: 'completed' });
    expect(conversation.answer()).toBeUndefined();
    expect(observer.summaries[0]).toMatchObject({ stored: 'gone' });
  });

  it('frees its slot and aborts the model when the consumer goes away before the end', async () => {
    const model = new ScriptedTestModel(words(100), { gapMs: 2 });
    const { deps, input, activeStreams, conversation } = setup(model);
    const stream = await openChatStream(deps, input);

    await driveFakeTimers(
      (async () => {
        for await (const event of stream.events()) {
          if (event.status === 'streaming') break;
        }
      })(),
    );

    expect(model.signal?.aborted).toBe(true);
    expect(activeStreams.finished).toEqual([{ streamId: stream.streamId, status: 'interrupted' }]);
    expect(conversation.answer()?.message.status).toBe('interrupted');
  });

  it('logs every delta it sends, in order and once, before it ends the record with its terminal event', async () => {
    const model = new ScriptedTestModel(words(40), { gapMs: 2 });
    const { deps, input, activeStreams, clock } = setup(model);
    // The flush is due by the injected clock: move it on with every poll.
    const poll = activeStreams.poll.bind(activeStreams);
    activeStreams.poll = (handle) => {
      clock.advance(5);
      return poll(handle);
    };

    const stream = await openChatStream(deps, input);
    const events = await collectOnFakeTimers(stream.events());

    const sent = deltas(events).map((event) => ({ seq: event.seq, content: event.content }));
    expect(activeStreams.chunks.length).toBeGreaterThan(1);
    expect(activeStreams.chunks.flat()).toEqual(sent);
    expect(activeStreams.streams.get(stream.streamId)?.ending).toEqual({
      status: 'complete',
      lastSeq: 40,
      terminal: terminal(events),
    });
  });

  it('ends with an error event while its lease still holds when DynamoDB is out of reach, and its answer is stored once it is back', async () => {
    const model = new ScriptedTestModel(words(400), { gapMs: 2 });
    const { deps, input, activeStreams, clock, conversation } = setup(model, { leaseMs: 15_000 });
    const stream = await openChatStream(deps, input);
    let unreachableSince: number | undefined;
    const events = await collectOnFakeTimers(stream.events(), (event) => {
      if (event.status === 'streaming' && event.seq === 3) {
        activeStreams.unreachable = true;
        unreachableSince = clock.now().getTime();
      }
      // Each event moves the injected clock on; DynamoDB comes back once the stream has ended.
      clock.advance(200);
      if (event.status === 'error') activeStreams.unreachable = false;
    });

    expect(terminal(events)).toMatchObject({ status: 'error', code: 'INTERNAL' });
    const endedAt = clock.now().getTime();
    expect(endedAt - (unreachableSince ?? 0)).toBeLessThan(15_000);
    expect(conversation.answer()?.message.content).toBe(
      deltas(events)
        .map((event) => event.content)
        .join(''),
    );
  });
});

describe('the poll of a chat stream', () => {
  it('reads the cancel flag once per interval whatever the token rate, and renews the lease every third of it (injected time)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const callsFor = async (tokens: number) => {
      const model = new ScriptedTestModel(words(tokens), { gapMs: 1050 / tokens });
      const { deps, input, activeStreams, clock } = setup(model, {
        pollIntervalMs: 100,
        logFlushMs: 500,
        leaseMs: 1500,
      });
      const stream = await openChatStream(deps, input);
      const done = collect(stream.events());
      for (let step = 0; step < 106; step++) {
        clock.advance(10);
        await vi.advanceTimersByTimeAsync(10);
      }
      const events = await done;
      expect(terminal(events)?.status).toBe('completed');
      expect(deltas(events)).toHaveLength(tokens);
      const count = (call: string) => activeStreams.calls.filter((made) => made === call).length;
      return { polls: count('poll'), renewals: count('renewLease'), chunks: count('appendLog') };
    };

    const few = await callsFor(10);
    const many = await callsFor(1050);

    expect(few).toEqual({ polls: 10, renewals: 2, chunks: 3 });
    expect(many).toEqual(few);
  });
});

describe('the pre-checks of a chat stream (before the first byte)', () => {
  const model = () => new ScriptedTestModel(['x']);

  it.each([
    ['an unknown session', (c: FakeConversation) => (c.session = undefined), 'SESSION_NOT_FOUND'],
    [
      'a deleted room',
      (c: FakeConversation) =>
        (c.room = { ...(c.room as NonNullable<FakeConversation['room']>), is_deleted: true }),
      'ROOM_NOT_FOUND',
    ],
    [
      'a session ended by an earlier room delete',
      (c: FakeConversation) =>
        (c.room = {
          ...(c.room as NonNullable<FakeConversation['room']>),
          sessions_ended_at: '2026-01-01T00:01:00.000Z',
        }),
      'SESSION_NOT_FOUND',
    ],
    [
      'an idle session',
      (c: FakeConversation) => (c.session = sessionRecord({ last_activity: '2025-12-31T23:50:00.000Z' })),
      'SESSION_EXPIRED',
    ],
    [
      'a session past 30 minutes',
      (c: FakeConversation) =>
        (c.session = sessionRecord({
          expires_at: '2026-01-01T00:05:00.000Z',
          last_activity: '2026-01-01T00:04:00.000Z',
        })),
      'SESSION_EXPIRED',
    ],
  ])('refuses %s', async (_name, arrange, code) => {
    const { deps, input, conversation, activeStreams } = setup(model());
    arrange(conversation);

    await expect(openChatStream(deps, input)).rejects.toMatchObject({ code });
    expect(activeStreams.streams.size).toBe(0);
  });

  it("answers 400 for a room that is not the session's", async () => {
    const { deps, input } = setup(model());

    await expect(openChatStream(deps, { ...input, roomId: 'room_2' })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [{ path: 'body.room_id' }],
    });
  });

  it('answers 429 STREAM_LIMIT_REACHED when no slot is free', async () => {
    const { deps, input, activeStreams } = setup(model());
    activeStreams.freeSlots = [];

    await expect(openChatStream(deps, input)).rejects.toMatchObject({ code: 'STREAM_LIMIT_REACHED' });
  });

  it('answers 409 CONFLICT to a request_id that was used before, and calls no model', async () => {
    const first = model();
    const { deps, input } = setup(first);
    const stream = await openChatStream(deps, { ...input, requestId: 'r-1' });
    await collect(stream.events());

    await expect(openChatStream(deps, { ...input, requestId: 'r-1' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(first.requests).toHaveLength(1);
  });
});
