/**
 * Ports of the chat area, and the `*Deps` its use cases are given (built by
 * shared/wiring/chat.ts):
 * - `ActiveStreams`, the live-stream registry (ActiveStreams table): the per-user concurrency
 *   slots with their heartbeat leases, the cancel flag and the partial-text checkpoint, the
 *   chat-request record that makes a retried POST start no second model call, and stop
 *   tombstones for stops that arrive before the stream registers. It reports facts (free slots,
 *   an earlier request, the tombstones it found); the use cases decide what they mean
 *   (./stream-rules.ts). Adapter: shared/data/active-streams-repository.ts, which takes `now`
 *   from an injected Clock (leases are tested without sleeping).
 * - `ConversationStore`: the session, room and recent turns a stream runs in, and the two
 *   messages of an answer. Adapters: shared/data/chat-context-reader.ts and
 *   shared/data/conversation-writer.ts.
 * - `ModelProvider`: a language model that streams its answer. Adapters:
 *   shared/model/bedrock-provider.ts and shared/model/local-scripted-model.ts.
 * - `ChatStreamObserver`: where the loop reports what happened. Adapter:
 *   shared/observability/stream-telemetry.ts.
 */
import type { ModelUsageBody, StreamErrorCode } from '../../schemas/chat';
import type { Message } from '../../schemas/messages';
import type { RoomRecord } from '../../schemas/rooms';
import type { SessionRecord } from '../../schemas/sessions';
import type { Clock } from '../clock';
import type { StreamCanceller, StreamScope } from '../rooms/ports';
import type { SessionDeps } from '../sessions/ports';
import type { ActiveAt, SessionPolicy } from '../sessions/session-policy';

// The live-stream registry.

/** Who asked a stream to stop: a user's stop, or the deletion/clearing of its room, session or account. */
export type CancelReason = 'stop' | 'room' | 'session' | 'account';

export interface CancelRequest {
  readonly requestedAt: Date;
  readonly reason: CancelReason;
}

/** A chat request's final state, kept on its record after the stream has gone. */
export type RequestStatus = 'running' | 'complete' | 'cancelled' | 'interrupted' | 'error';

export interface ChatRequestRecord {
  readonly requestId: string;
  readonly streamId: string;
  readonly sessionId: string;
  readonly status: RequestStatus;
}

/** What registering a stream needs to know, read in one round trip before it. */
export interface Admission {
  /** Slots that are free now (never held, or their lease has lapsed). */
  readonly freeSlots: readonly number[];
  /** The record of an earlier POST with the same request_id. */
  readonly existingRequest?: ChatRequestRecord;
  /** A stop that came before the stream registered and applies to it (./stream-rules.ts decides). */
  readonly tombstone?: CancelRequest;
  /** Streams whose slot lease lapsed with no end: they are finished from their log (./recover-stream.ts). */
  readonly lapsed?: readonly string[];
}

export interface AdmissionTarget {
  readonly sessionId: string;
  readonly requestId: string;
  /** When the chat request arrived: a session tombstone applies only to requests older than it. */
  readonly requestedAt: Date;
}

export interface NewStream {
  readonly userId: string;
  readonly streamId: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly agentType: string;
  /** The assistant message the stream will store. */
  readonly messageId: string;
  readonly requestedAt: Date;
  readonly deadlineAt: Date;
  /** The session's creation: the answer's write compares it with the room's `sessions_ended_at`. */
  readonly sessionCreatedAt: string;
}

/** A registered stream, as its loop holds it. */
export interface StreamHandle {
  readonly userId: string;
  readonly streamId: string;
  readonly requestId: string;
  readonly slot: number;
  /** Set at registration when a tombstone applied: the stream ends at once. */
  readonly cancel?: CancelRequest;
}

/** One delta of the stream log: the `seq` and `content` of a `streaming` event, as sent. */
export interface LoggedDelta {
  readonly seq: number;
  readonly content: string;
}

export type PollOutcome =
  | { readonly state: 'live' }
  | { readonly state: 'cancelled'; readonly cancel: CancelRequest }
  /** The stream's record is gone or no longer running (finished from its log after its lease lapsed). */
  | { readonly state: 'lost' };

/** The terminal event as the stream record keeps it (a `cancelled` event's text is the log's). */
export type StoredTerminal =
  | { readonly status: 'completed'; readonly message_id: string; readonly usage: ModelUsageBody }
  | { readonly status: 'cancelled' }
  | { readonly status: 'error'; readonly code: StreamErrorCode; readonly message: string };

export interface StreamEnding {
  readonly status: Exclude<RequestStatus, 'running'>;
  /** The seq of the last delta sent (all of them are in the log before this is written). */
  readonly lastSeq: number;
  readonly terminal: StoredTerminal;
}

/** A stream's record, live or ended (kept until its log expires, and a while after for 410). */
export interface StreamRecord {
  readonly userId: string;
  readonly streamId: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly agentType: string;
  readonly messageId: string;
  readonly slot: number;
  readonly requestedAt: Date;
  readonly sessionCreatedAt: string;
  readonly status: RequestStatus;
  readonly leaseExpiresAt: Date;
  readonly cancel?: CancelRequest;
  /** Set when the stream ended. */
  readonly lastSeq?: number;
  readonly terminal?: StoredTerminal;
  /** When the log stops being served (24 h after the end): then 410 STREAM_GONE. */
  readonly logExpiresAt?: Date;
}

export interface LiveStream {
  readonly streamId: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly requestedAt: Date;
  readonly cancel?: CancelRequest;
}

/**
 * `request-taken`: another stream registered this request_id first; `no-free-slot`: every slot
 * was held (or taken meanwhile) for all the attempts the adapter makes.
 */
export type RegisterOutcome =
  | { readonly kind: 'registered'; readonly handle: StreamHandle }
  | { readonly kind: 'request-taken' }
  | { readonly kind: 'no-free-slot' };

/** A stop tombstone as stored: when it was left and until when it counts. */
export interface Tombstone {
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export type TombstoneTarget = { readonly requestId: string } | { readonly sessionId: string };

/** A running stream whose lease has lapsed, as the sweep finds it. */
export interface LapsedStreamRef {
  readonly userId: string;
  readonly streamId: string;
}

/** Capacity units a stream's own calls consumed (ReturnConsumedCapacity; 0 where not reported). */
export interface ConsumedUnits {
  readonly read: number;
  readonly write: number;
}

/** Reading a stream's record and log (resume, stop, recovery). */
export interface StreamLog {
  /** The stream's record whatever its state; undefined if unknown (or another user's). */
  getRecord(userId: string, streamId: string): Promise<StreamRecord | undefined>;
  /**
   * The logged deltas of chunks that start at or after `fromSeq` (1: the whole log), in order.
   * A chunk is written whole, so a reader that asks from the seq after its last chunk misses nothing.
   */
  readLog(userId: string, streamId: string, fromSeq?: number): Promise<LoggedDelta[]>;
  /** The seq of the last logged delta (0: none). */
  lastLoggedSeq(userId: string, streamId: string): Promise<number>;
}

export interface ActiveStreams extends StreamCanceller, StreamLog {
  /** Round trip 1 (with the conversation reads): free slots, an earlier request, an applying tombstone. */
  admission(userId: string, target: AdmissionTarget): Promise<Admission>;
  /**
   * Round trip 2: stream record + slot + request record in one transaction, with the
   * tombstones checked inside it. Reports what stopped it; the use case turns that into a
   * refusal (409 CONFLICT, 429 STREAM_LIMIT_REACHED).
   */
  register(stream: NewStream, admission: Admission): Promise<RegisterOutcome>;
  /** The per-poll read: one strongly consistent GetItem of the small stream record. */
  poll(handle: StreamHandle): Promise<PollOutcome>;
  /** Renews the stream record's and the slot's lease (every third of the lease, not every poll). */
  renewLease(handle: StreamHandle): Promise<'live' | 'lost'>;
  /** Appends one chunk (the deltas since the previous one); a retried chunk is written once. */
  appendLog(handle: StreamHandle, deltas: readonly LoggedDelta[]): Promise<void>;
  /** Marks the record ended (its terminal event kept), frees the slot, records the request's outcome. */
  finish(handle: StreamHandle, ending: StreamEnding): Promise<void>;
  /** What this handle's calls consumed so far. */
  consumed(handle: StreamHandle): ConsumedUnits;

  /** The user's live streams (leases current), newest request first. */
  liveStreams(userId: string): Promise<LiveStream[]>;
  /** Ids of the streams in scope whose slot lease is current (one read: what a stop flags first). */
  liveStreamIds(userId: string, scope: StreamScope): Promise<string[]>;
  getStream(userId: string, streamId: string): Promise<LiveStream | undefined>;
  getRequest(userId: string, requestId: string): Promise<ChatRequestRecord | undefined>;
  /** Sets the cancel flag of a live stream (keeping an earlier request's time); undefined if not live. */
  requestCancel(userId: string, streamId: string, reason: CancelReason): Promise<LiveStream | undefined>;
  /** Leaves a short-lived tombstone for a stop that found nothing live; returns its creation time. */
  leaveTombstone(userId: string, target: TombstoneTarget): Promise<Date>;

  // Recovery of streams whose process died (./recover-stream.ts).
  /** Streams of the user, in scope, that still hold a slot whose lease has lapsed. */
  lapsedStreams(userId: string, scope: StreamScope): Promise<string[]>;
  /** Running streams whose lease lapsed before `before`, from one shard of the sparse running-streams index. */
  lapsedStreamsInShard(shard: number, before: Date): Promise<LapsedStreamRef[]>;
  /** Ends a running stream whose lease has lapsed as `interrupted`; false if it was not (any more). */
  markInterrupted(record: StreamRecord, ending: StreamEnding): Promise<boolean>;
  /** Frees the slot and forgets the chat request (a retry with its request_id runs again). */
  release(record: StreamRecord): Promise<void>;
}

// The conversation a stream reads and writes.

export type MessageStatus = Message['status'];

export interface ChatContext {
  readonly session?: SessionRecord;
  readonly room?: RoomRecord;
  /** The room's most recent messages (any agent, any order): the caller applies agent and watermarks. */
  readonly recentMessages: readonly Message[];
}

export interface MessageToRecord {
  readonly userId: string;
  readonly message: Message;
  readonly streamId: string;
  readonly requestId: string;
  /** When the chat request arrived: a history cleared at or after it makes the write `gone`. */
  readonly requestedAt: string;
  /** The session's creation: a room deleted after it (`sessions_ended_at`) makes the write `gone`. */
  readonly sessionCreatedAt: string;
  /**
   * The question only: the session must still be active at this moment, and its
   * `active_stream_id` becomes this stream. The answer only needs the session to exist.
   */
  readonly activeAt?: ActiveAt;
}

/** `recorded`: written (or already there); `gone`: the room, its history or the session went away. */
export type RecordOutcome = 'recorded' | 'gone';

/**
 * What the chat stream reads and writes in the chat table. The writes are guarded: a room
 * deleted, a history cleared or a session deleted after the stream's request arrived makes them
 * fail as `gone`, so a stream that ends late never brings back what was removed.
 */
export interface ConversationStore {
  /** Session + room (one consistent BatchGet) in parallel with the room's latest messages. */
  loadChatContext(userId: string, ids: { sessionId: string; roomId: string }): Promise<ChatContext>;
  /** Message + room counters/preview/last_activity + session last_activity, in one transaction. */
  recordMessage(record: MessageToRecord): Promise<RecordOutcome>;
  /** Clears the session's `active_stream_id` if it still names this stream. */
  releaseSession(userId: string, sessionId: string, streamId: string): Promise<void>;
}

// The model.

export interface ModelTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface ModelRequest {
  readonly systemPrompt: string;
  /** Alternating turns, first and last from the user; the last is the new question. */
  readonly turns: readonly ModelTurn[];
  readonly signal: AbortSignal;
}

export interface ModelUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

export type ModelChunk =
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'usage'; readonly usage: ModelUsage };

export interface ModelProvider {
  readonly name: 'local' | 'bedrock';
  stream(request: ModelRequest): AsyncIterable<ModelChunk>;
}

/**
 * Why a model call failed. Its message is for logs and never reaches a client (a provider's
 * own message could echo input); clients get a generic `MODEL_ERROR`.
 */
export type ModelFailure = 'throttled' | 'unavailable' | 'rejected' | 'stream_failed' | 'unknown';

export class ModelError extends Error {
  override readonly name = 'ModelError';

  constructor(
    readonly failure: ModelFailure,
    options?: { readonly cause?: unknown },
  ) {
    super(`Model call failed: ${failure}`, options);
  }
}

/** How a stream runs (configuration). */
export interface ChatStreamSettings {
  /** How often the loop reads the cancel flag (CANCEL_POLL_INTERVAL_MS): one small strongly consistent read. */
  readonly pollIntervalMs: number;
  /** How often the deltas since the last flush are appended to the stream log (STREAM_LOG_FLUSH_MS). */
  readonly logFlushMs: number;
  /** A stream ends by itself after this (STREAM_MAX_DURATION_SECONDS). */
  readonly maxDurationMs: number;
  /**
   * The lease (STREAM_LEASE_SECONDS), renewed every third of it: a stream that cannot reach
   * DynamoDB for a third of it ends with `error`, before its lease lapses.
   */
  readonly leaseMs: number;
  /** At most this many earlier turns are shown to the model. */
  readonly contextTurns: number;
}

/** What happened, for logs and metrics: ids, sizes and timings only, never text. */
export interface StreamSummary {
  readonly streamId: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly agentType: string;
  readonly status: MessageStatus;
  readonly cancelReason?: CancelReason | 'conversation_gone' | 'stream_lost';
  /** `max_duration`: STREAM_MAX_DURATION_SECONDS (or the platform's timeout) came first; `consumer_gone`: the response stream closed early. */
  readonly interruption?: 'max_duration' | 'consumer_gone';
  /** The stream could not reach DynamoDB for a third of its lease. */
  readonly storageLost?: boolean;
  readonly errorType?: 'MODEL_ERROR' | 'INTERNAL';
  readonly deltas: number;
  readonly outputChars: number;
  readonly responseTimeMs: number;
  readonly timeToFirstTokenMs?: number;
  /** From the stop (or deletion) request to the loop's exit. */
  readonly stopLatencyMs?: number;
  /** Cancel-flag reads, lease renewals and log chunks written. */
  readonly polls: number;
  readonly leaseRenewals: number;
  readonly logChunks: number;
  /** Capacity units of the stream's streams-table calls (ReturnConsumedCapacity). */
  readonly consumedUnits: ConsumedUnits;
  /** What became of the answer's message. */
  readonly stored: RecordOutcome | 'failed' | 'skipped';
}

export interface StreamStartInfo {
  readonly streamId: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly agentType: string;
  readonly queryChars: number;
  readonly contextTurns: number;
  readonly slot: number;
}

/** Where the loop reports what happened. */
export interface ChatStreamObserver {
  started(info: StreamStartInfo): void;
  ended(summary: StreamSummary): void;
  /** Something went wrong that the stream survived or turned into an `error` event. */
  problem(event: string, error: unknown, ids: { readonly streamId: string }): void;
}

/** What the chat stream (open, loop, final writes) needs. */
export interface ChatStreamDeps {
  readonly activeStreams: ActiveStreams;
  /** Told of each lapsed stream this request finished from its log. */
  readonly onRecovered?: (record: StreamRecord, lastSeq: number) => void;
  readonly conversation: ConversationStore;
  readonly model: ModelProvider;
  readonly clock: Clock;
  readonly observer: ChatStreamObserver;
  readonly settings: ChatStreamSettings;
  /** @default sessionPolicy (30 min, 10 min idle) */
  readonly sessionPolicy?: SessionPolicy;
  /** Makes the random part of new ids (message ids are derived from the stream's). */
  readonly newId?: () => string;
}

/** What the stop use case needs. */
export interface StopStreamDeps extends Pick<SessionDeps, 'sessions' | 'rooms' | 'clock' | 'policy'> {
  readonly activeStreams: ActiveStreams;
  /** The stop waits about two poll intervals plus a second for the loop to end the stream. */
  readonly settings: Pick<ChatStreamSettings, 'pollIntervalMs'>;
  /** Waits between the stop's reads of the stream record. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Finishing streams whose process died, from their log (./recover-stream.ts). */
export interface RecoveryDeps {
  readonly activeStreams: ActiveStreams;
  readonly conversation: Pick<ConversationStore, 'recordMessage' | 'releaseSession'>;
  readonly clock: Clock;
  /** Told of each stream finished (a metric and a log line: ids only). */
  readonly onRecovered?: (record: StreamRecord, lastSeq: number) => void;
}
