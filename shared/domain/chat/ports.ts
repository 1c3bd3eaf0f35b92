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
import type { Message } from '../../schemas/messages';
import type { RoomRecord } from '../../schemas/rooms';
import type { SessionRecord } from '../../schemas/sessions';
import type { Clock } from '../clock';
import type { StreamCanceller } from '../rooms/ports';
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

export interface Checkpoint {
  readonly partialResponse: string;
  readonly seq: number;
}

export type HeartbeatOutcome =
  | { readonly state: 'live' }
  | { readonly state: 'cancelled'; readonly cancel: CancelRequest }
  /** The stream's record is gone (never expected; treated as a cancel). */
  | { readonly state: 'lost' };

export interface LiveStream {
  readonly streamId: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly requestedAt: Date;
  readonly cancel?: CancelRequest;
  /** The last checkpoint of the text sent so far. */
  readonly partialResponse: string;
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

export interface ActiveStreams extends StreamCanceller {
  /** Round trip 1 (with the conversation reads): free slots, an earlier request, an applying tombstone. */
  admission(userId: string, target: AdmissionTarget): Promise<Admission>;
  /**
   * Round trip 2: stream record + slot + request record in one transaction, with the
   * tombstones checked inside it. Reports what stopped it; the use case turns that into a
   * refusal (409 CONFLICT, 429 STREAM_LIMIT_REACHED).
   */
  register(stream: NewStream, admission: Admission): Promise<RegisterOutcome>;
  /** One write per poll: renews the lease, stores the checkpoint, reports a cancel. */
  heartbeat(handle: StreamHandle, checkpoint: Checkpoint | undefined): Promise<HeartbeatOutcome>;
  /** Frees the slot, removes the stream record, records the request's final status. */
  finish(handle: StreamHandle, status: Exclude<RequestStatus, 'running'>): Promise<void>;

  /** The user's live streams (leases current), newest request first. */
  liveStreams(userId: string): Promise<LiveStream[]>;
  getStream(userId: string, streamId: string): Promise<LiveStream | undefined>;
  getRequest(userId: string, requestId: string): Promise<ChatRequestRecord | undefined>;
  /** Sets the cancel flag of a live stream (keeping an earlier request's time); undefined if not live. */
  requestCancel(userId: string, streamId: string, reason: CancelReason): Promise<LiveStream | undefined>;
  /** Leaves a short-lived tombstone for a stop that found nothing live; returns its creation time. */
  leaveTombstone(userId: string, target: TombstoneTarget): Promise<Date>;
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
  /** How often the loop writes its heartbeat and reads the cancel flag (CANCEL_POLL_INTERVAL_MS). */
  readonly pollIntervalMs: number;
  /** A stream ends by itself after this (STREAM_MAX_DURATION_SECONDS). */
  readonly maxDurationMs: number;
  /** The heartbeat lease (STREAM_LEASE_SECONDS): heartbeats failing for half of it end the stream. */
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
  readonly errorType?: 'MODEL_ERROR' | 'INTERNAL';
  readonly deltas: number;
  readonly outputChars: number;
  readonly responseTimeMs: number;
  readonly timeToFirstTokenMs?: number;
  /** From the stop (or deletion) request to the loop's exit. */
  readonly stopLatencyMs?: number;
  readonly heartbeats: number;
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
}
