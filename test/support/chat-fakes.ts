import type {
  ActiveStreams,
  Admission,
  CancelReason,
  ChatRequestRecord,
  ChatStreamObserver,
  ConsumedUnits,
  ConversationStore,
  LapsedStreamRef,
  LiveStream,
  LoggedDelta,
  MessageToRecord,
  NewStream,
  PollOutcome,
  RecordOutcome,
  RegisterOutcome,
  RequestStatus,
  StreamEnding,
  StreamHandle,
  StreamRecord,
  StreamStartInfo,
  StreamSummary,
  TombstoneTarget,
} from '../../shared/domain/chat/ports';
import {
  type ModelChunk,
  ModelError,
  type ModelProvider,
  type ModelRequest,
} from '../../shared/domain/chat/ports';
import type { Clock } from '../../shared/domain/clock';
import type { Message } from '../../shared/schemas/messages';
import type { RoomRecord } from '../../shared/schemas/rooms';
import type { SessionRecord } from '../../shared/schemas/sessions';

/** In-memory fakes of the chat stream's ports, for unit tests of the domain. */

interface FakeStream {
  stream: NewStream;
  slot: number;
  cancel?: { requestedAt: Date; reason: CancelReason };
  log: LoggedDelta[];
  live: boolean;
  ending?: StreamEnding;
  leaseExpiresAt: number;
}

export class FakeActiveStreams implements ActiveStreams {
  readonly streams = new Map<string, FakeStream>();
  readonly requests = new Map<string, ChatRequestRecord>();
  /** Every call of the loop, in order: what the per-poll cost tests count. */
  readonly calls: ('poll' | 'renewLease' | 'appendLog')[] = [];
  readonly chunks: LoggedDelta[][] = [];
  readonly finished: { streamId: string; status: RequestStatus }[] = [];
  /** Make the next calls of the loop fail (DynamoDB out of reach). */
  unreachable = false;
  leaseMs = 15_000;
  readonly tombstones: TombstoneTarget[] = [];
  tombstone: Admission['tombstone'];
  freeSlots = [0, 1, 2, 3, 4];

  constructor(private readonly clock: Clock) {}

  async admission(_userId: string, target: { requestId: string }): Promise<Admission> {
    const existing = this.requests.get(target.requestId);
    return {
      freeSlots: this.freeSlots,
      ...(existing ? { existingRequest: existing } : {}),
      ...(this.tombstone ? { tombstone: this.tombstone } : {}),
    };
  }

  async register(stream: NewStream, admission: Admission): Promise<RegisterOutcome> {
    const slot = admission.freeSlots[0];
    if (slot === undefined) return { kind: 'no-free-slot' };
    const cancel = admission.tombstone;
    this.streams.set(stream.streamId, {
      stream,
      slot,
      log: [],
      live: true,
      leaseExpiresAt: this.clock.now().getTime() + this.leaseMs,
      ...(cancel ? { cancel } : {}),
    });
    this.requests.set(stream.requestId, {
      requestId: stream.requestId,
      streamId: stream.streamId,
      sessionId: stream.sessionId,
      status: 'running',
    });
    return {
      kind: 'registered',
      handle: {
        userId: stream.userId,
        streamId: stream.streamId,
        requestId: stream.requestId,
        slot,
        ...(cancel ? { cancel } : {}),
      },
    };
  }

  async poll(handle: StreamHandle): Promise<PollOutcome> {
    this.calls.push('poll');
    if (this.unreachable) throw new Error('unreachable');
    const stream = this.streams.get(handle.streamId);
    if (!stream?.live) return { state: 'lost' };
    if (stream.cancel) return { state: 'cancelled', cancel: stream.cancel };
    return { state: 'live' };
  }

  async renewLease(handle: StreamHandle): Promise<'live' | 'lost'> {
    this.calls.push('renewLease');
    if (this.unreachable) throw new Error('unreachable');
    const stream = this.streams.get(handle.streamId);
    if (!stream?.live) return 'lost';
    stream.leaseExpiresAt = this.clock.now().getTime() + this.leaseMs;
    return 'live';
  }

  async appendLog(handle: StreamHandle, deltas: readonly LoggedDelta[]): Promise<void> {
    this.calls.push('appendLog');
    if (this.unreachable) throw new Error('unreachable');
    this.chunks.push([...deltas]);
    this.streams.get(handle.streamId)?.log.push(...deltas);
  }

  async finish(handle: StreamHandle, ending: StreamEnding): Promise<void> {
    if (this.unreachable) throw new Error('unreachable');
    const stream = this.streams.get(handle.streamId);
    if (stream) {
      stream.live = false;
      stream.ending = ending;
    }
    const request = this.requests.get(handle.requestId);
    if (request) this.requests.set(handle.requestId, { ...request, status: ending.status });
    this.finished.push({ streamId: handle.streamId, status: ending.status });
  }

  consumed(): ConsumedUnits {
    return { read: 0, write: 0 };
  }

  async getRecord(userId: string, streamId: string): Promise<StreamRecord | undefined> {
    const found = this.streams.get(streamId);
    if (!found) return undefined;
    const { stream, ending } = found;
    return {
      userId,
      streamId,
      requestId: stream.requestId,
      sessionId: stream.sessionId,
      roomId: stream.roomId,
      agentType: stream.agentType,
      messageId: stream.messageId,
      slot: found.slot,
      requestedAt: stream.requestedAt,
      sessionCreatedAt: stream.sessionCreatedAt,
      status: ending ? ending.status : found.live ? 'running' : 'interrupted',
      leaseExpiresAt: new Date(found.leaseExpiresAt),
      ...(found.cancel ? { cancel: found.cancel } : {}),
      ...(ending ? { lastSeq: ending.lastSeq, terminal: ending.terminal } : {}),
    };
  }

  async readLog(_userId: string, streamId: string, fromSeq = 1): Promise<LoggedDelta[]> {
    return (this.streams.get(streamId)?.log ?? []).filter((delta) => delta.seq >= fromSeq);
  }

  async lastLoggedSeq(_userId: string, streamId: string): Promise<number> {
    return this.streams.get(streamId)?.log.at(-1)?.seq ?? 0;
  }

  async liveStreamIds(_userId: string, scope: { roomId: string } | { sessionId: string }): Promise<string[]> {
    return (await this.liveStreams())
      .filter((stream) =>
        'roomId' in scope ? stream.roomId === scope.roomId : stream.sessionId === scope.sessionId,
      )
      .map((stream) => stream.streamId);
  }

  async lapsedStreams(): Promise<string[]> {
    const at = this.clock.now().getTime();
    return [...this.streams.entries()]
      .filter(([, stream]) => stream.live && stream.leaseExpiresAt < at)
      .map(([id]) => id);
  }

  async lapsedStreamsInShard(): Promise<LapsedStreamRef[]> {
    return [];
  }

  async markInterrupted(record: StreamRecord, ending: StreamEnding): Promise<boolean> {
    const stream = this.streams.get(record.streamId);
    if (!stream?.live || stream.leaseExpiresAt >= this.clock.now().getTime()) return false;
    stream.live = false;
    stream.ending = ending;
    return true;
  }

  async release(record: StreamRecord): Promise<void> {
    this.requests.delete(record.requestId);
  }

  #view(stream: FakeStream): LiveStream {
    return {
      streamId: stream.stream.streamId,
      requestId: stream.stream.requestId,
      sessionId: stream.stream.sessionId,
      roomId: stream.stream.roomId,
      requestedAt: stream.stream.requestedAt,
      ...(stream.cancel ? { cancel: stream.cancel } : {}),
    };
  }

  async liveStreams(): Promise<LiveStream[]> {
    return [...this.streams.values()].filter((stream) => stream.live).map((stream) => this.#view(stream));
  }

  async getStream(_userId: string, streamId: string): Promise<LiveStream | undefined> {
    const stream = this.streams.get(streamId);
    return stream?.live ? this.#view(stream) : undefined;
  }

  async getRequest(_userId: string, requestId: string): Promise<ChatRequestRecord | undefined> {
    return this.requests.get(requestId);
  }

  async requestCancel(
    _userId: string,
    streamId: string,
    reason: CancelReason,
  ): Promise<LiveStream | undefined> {
    const stream = this.streams.get(streamId);
    if (!stream?.live) return undefined;
    stream.cancel ??= { requestedAt: this.clock.now(), reason };
    return this.#view(stream);
  }

  async leaveTombstone(_userId: string, target: TombstoneTarget): Promise<Date> {
    this.tombstones.push(target);
    return this.clock.now();
  }

  async cancelStreams(userId: string, scope: { roomId: string } | { sessionId: string }): Promise<string[]> {
    const ids: string[] = [];
    for (const stream of await this.liveStreams()) {
      if ('roomId' in scope ? stream.roomId === scope.roomId : stream.sessionId === scope.sessionId) {
        await this.requestCancel(userId, stream.streamId, 'roomId' in scope ? 'room' : 'session');
        ids.push(stream.streamId);
      }
    }
    return ids;
  }

  /** The only live stream (tests run one at a time). */
  current(): FakeStream {
    const live = [...this.streams.values()].filter((stream) => stream.live);
    if (live.length !== 1) throw new Error(`expected one live stream, found ${live.length}`);
    return live[0] as FakeStream;
  }
}

export const sessionRecord = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  session_id: 'sess_1',
  user_id: 'alice',
  room_id: 'room_1',
  agent_type: 'general',
  created_at: '2026-01-01T00:00:00.000Z',
  last_activity: '2026-01-01T00:00:00.000Z',
  expires_at: '2026-01-01T00:30:00.000Z',
  agents: { general: { memory_reset_at: null } },
  active_stream_id: null,
  ...overrides,
});

export const roomRecord = (overrides: Partial<RoomRecord> = {}): RoomRecord => ({
  room_id: 'room_1',
  user_id: 'alice',
  room_name: 'Room',
  created_at: '2025-12-31T00:00:00.000Z',
  last_activity: '2025-12-31T00:00:00.000Z',
  message_count: 0,
  metadata: {},
  is_deleted: false,
  agent_history_cleared_at: {},
  ...overrides,
});

export class FakeConversation implements ConversationStore {
  session: SessionRecord | undefined = sessionRecord();
  room: RoomRecord | undefined = roomRecord();
  history: Message[] = [];
  readonly recorded: MessageToRecord[] = [];
  readonly released: string[] = [];
  /** What the next recordMessage calls answer (default: recorded). */
  outcomes: (RecordOutcome | Error)[] = [];

  async loadChatContext() {
    return {
      ...(this.session ? { session: this.session } : {}),
      ...(this.room ? { room: this.room } : {}),
      recentMessages: this.history,
    };
  }

  async recordMessage(record: MessageToRecord): Promise<RecordOutcome> {
    const outcome = this.outcomes.shift() ?? 'recorded';
    if (outcome instanceof Error) throw outcome;
    if (outcome === 'recorded') this.recorded.push(record);
    return outcome;
  }

  async releaseSession(_userId: string, _sessionId: string, streamId: string): Promise<void> {
    this.released.push(streamId);
  }

  answer(): MessageToRecord | undefined {
    return this.recorded.find((record) => record.message.role === 'assistant');
  }
}

/**
 * A model the test scripts: `chunks` texts, one every `gapMs` (timers, so fake timers drive
 * it), optionally failing after `failAfter` chunks, or waiting for `release()` first.
 */
export class ScriptedTestModel implements ModelProvider {
  readonly name = 'local' as const;
  readonly requests: ModelRequest[] = [];
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  constructor(
    private readonly chunks: readonly string[],
    private readonly options: { gapMs?: number; failAfter?: number; holdFirst?: boolean } = {},
  ) {
    if (options.holdFirst) this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open?.();
  }

  get signal(): AbortSignal | undefined {
    return this.requests.at(-1)?.signal;
  }

  async *stream(request: ModelRequest): AsyncGenerator<ModelChunk> {
    this.requests.push(request);
    if (this.#gate) {
      await Promise.race([this.#gate, aborted(request.signal)]);
      if (request.signal.aborted) return;
    }
    for (const [index, text] of this.chunks.entries()) {
      if (this.options.failAfter === index) throw new ModelError('stream_failed');
      if (this.options.gapMs) await new Promise((resolve) => setTimeout(resolve, this.options.gapMs));
      if (request.signal.aborted) return;
      yield { type: 'delta', text };
    }
    yield {
      type: 'usage',
      usage: { inputTokens: 7, outputTokens: this.chunks.length, totalTokens: 7 + this.chunks.length },
    };
  }
}

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });

export class RecordingObserver implements ChatStreamObserver {
  readonly starts: StreamStartInfo[] = [];
  readonly summaries: StreamSummary[] = [];
  readonly problems: { event: string; error: unknown }[] = [];

  started(info: StreamStartInfo): void {
    this.starts.push(info);
  }

  ended(summary: StreamSummary): void {
    this.summaries.push(summary);
  }

  problem(event: string, error: unknown): void {
    this.problems.push({ event, error });
  }
}
