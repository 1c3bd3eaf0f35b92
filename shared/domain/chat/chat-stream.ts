import { randomUUID } from 'node:crypto';
import type { ChatStreamEvent, ModelUsageBody, StreamErrorCode } from '../../schemas/chat';
import type { Message } from '../../schemas/messages';
import type { SessionRecord } from '../../schemas/sessions';
import { type AgentType, agentByType, defaultAgentType } from '../agents';
import type { Clock } from '../clock';
import { DomainError } from '../errors';
import type { ActiveStreams, CancelReason, StreamHandle } from '../ports/active-streams';
import type { ConversationStore, MessageStatus, RecordOutcome } from '../ports/conversation-store';
import type { ModelChunk, ModelProvider, ModelTurn, ModelUsage } from '../ports/model-provider';
import { roomNotFound } from '../rooms/get-room';
import { sessionExpired, sessionNotFound } from '../sessions/load-session';
import type { ActiveAt } from '../sessions/ports';
import {
  activeAt,
  isEndedByRoom,
  isExpired,
  type SessionPolicy,
  sessionPolicy,
} from '../sessions/session-policy';
import { buildModelTurns, memoryCutoff } from './conversation-context';

/**
 * The chat stream (DESIGN §4, "Chat stream"): pre-checks and registration before the first
 * byte (`openChatStream`, which throws DomainErrors that become JSON errors), then the answer
 * as an async generator of events (`ChatStream.events`), which never throws and always ends
 * with exactly one terminal event.
 *
 * Cancellation is polled on a TIME interval, never per chunk: one heartbeat write per interval
 * renews the lease, checkpoints the partial text and reports the cancel flag, so DynamoDB work
 * per answer depends on its duration, not on its token count.
 */
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

/** Port: where the loop reports what happened (adapter: shared/observability/stream-telemetry.ts). */
export interface ChatStreamObserver {
  started(info: StreamStartInfo): void;
  ended(summary: StreamSummary): void;
  /** Something went wrong that the stream survived or turned into an `error` event. */
  problem(event: string, error: unknown, ids: { readonly streamId: string }): void;
}

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

export interface ChatStreamInput {
  readonly userId: string;
  readonly query: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly agentType?: AgentType;
  readonly requestId?: string;
  /** When the request arrived (the stream's "requested at": watermarks and tombstones compare with it). */
  readonly receivedAt: Date;
  /** Time the platform still gives the invocation (Lambda), so the stream ends before it is killed. */
  readonly remainingTimeMs?: number;
}

/** Margin kept before the platform's own timeout, for the final writes. */
const PLATFORM_TIMEOUT_MARGIN_MS = 10_000;

/** 32 hex digits; ids get a prefix (`stream_`, `msg_`, `req_`), as rooms and sessions do. */
const defaultNewId = () => randomUUID().replaceAll('-', '');

const conflictMessage = (status: string) =>
  status === 'running'
    ? 'A stream for this request_id is already running.'
    : 'This request_id has already been answered; its messages are in the room history.';

/**
 * Pre-checks and registration: at most 2 sequential DynamoDB round trips before the first
 * byte (1: session + room + recent turns ∥ slots + request record + tombstones; 2: the
 * registration transaction). Throws a DomainError for every refusal.
 */
export async function openChatStream(deps: ChatStreamDeps, input: ChatStreamInput): Promise<ChatStream> {
  const newId = deps.newId ?? defaultNewId;
  const requestId = input.requestId ?? `req_${newId()}`;
  const [context, admission] = await Promise.all([
    deps.conversation.loadChatContext(input.userId, { sessionId: input.sessionId, roomId: input.roomId }),
    deps.activeStreams.admission(input.userId, {
      sessionId: input.sessionId,
      requestId,
      requestedAt: input.receivedAt,
    }),
  ]);
  const { session, room } = context;
  if (!session) throw sessionNotFound();
  if (session.room_id !== input.roomId) {
    throw new DomainError('VALIDATION_ERROR', 'Invalid request body.', {
      details: [{ path: 'body.room_id', message: "is not the session's room" }],
    });
  }
  if (!room || room.is_deleted) throw roomNotFound();
  if (isEndedByRoom(session, room)) throw sessionNotFound();
  const policy = deps.sessionPolicy ?? sessionPolicy;
  if (isExpired(session, deps.clock.now(), policy)) throw sessionExpired();
  if (admission.existingRequest) {
    throw new DomainError('CONFLICT', conflictMessage(admission.existingRequest.status), {
      details: [{ path: 'body.request_id', message: `already used (${admission.existingRequest.status})` }],
    });
  }
  if (admission.freeSlots.length === 0) {
    throw new DomainError('STREAM_LIMIT_REACHED', 'Too many live streams: wait for one to end or stop one.');
  }

  const agentType = input.agentType ?? session.agent_type ?? defaultAgentType;
  const hex = newId();
  const streamId = `stream_${hex}`;
  const startedAt = deps.clock.now();
  const deadline = Math.min(
    startedAt.getTime() + deps.settings.maxDurationMs,
    input.remainingTimeMs === undefined
      ? Number.POSITIVE_INFINITY
      : input.receivedAt.getTime() + input.remainingTimeMs - PLATFORM_TIMEOUT_MARGIN_MS,
  );
  const handle = await deps.activeStreams.register(
    {
      userId: input.userId,
      streamId,
      requestId,
      sessionId: input.sessionId,
      roomId: input.roomId,
      agentType,
      messageId: `msg_${hex}_a`,
      requestedAt: input.receivedAt,
      deadlineAt: new Date(deadline),
    },
    admission,
  );

  const turns = buildModelTurns({
    history: context.recentMessages,
    agentType,
    cutoff: memoryCutoff(session, room, agentType),
    question: input.query,
    maxTurns: deps.settings.contextTurns,
  });
  return new ChatStream(deps, {
    input,
    session,
    handle,
    agentType,
    requestId,
    streamId,
    questionId: `msg_${hex}_q`,
    answerId: `msg_${hex}_a`,
    deadline,
    turns,
    activeAt: activeAt(deps.clock.now(), policy),
  });
}

interface StreamPlan {
  readonly input: ChatStreamInput;
  readonly session: SessionRecord;
  readonly activeAt: ActiveAt;
  readonly handle: StreamHandle;
  readonly agentType: string;
  readonly requestId: string;
  readonly streamId: string;
  readonly questionId: string;
  readonly answerId: string;
  readonly deadline: number;
  readonly turns: readonly ModelTurn[];
}

type Ending =
  | { readonly kind: 'completed' }
  | {
      readonly kind: 'cancelled';
      readonly reason: StreamSummary['cancelReason'];
      readonly requestedAt?: Date;
      /** The conversation is gone: nothing is stored. */
      readonly skipStore?: boolean;
    }
  | { readonly kind: 'interrupted'; readonly by: 'max_duration' | 'consumer_gone' }
  | { readonly kind: 'error'; readonly code: 'MODEL_ERROR' | 'INTERNAL'; readonly skipStore?: boolean };

type Wake =
  | { readonly kind: 'chunk'; readonly result: IteratorResult<ModelChunk> }
  | { readonly kind: 'chunk-failed'; readonly error: unknown }
  | { readonly kind: 'tick' }
  | { readonly kind: 'heartbeat'; readonly outcome: Awaited<ReturnType<ActiveStreams['heartbeat']>> }
  | { readonly kind: 'heartbeat-failed'; readonly error: unknown }
  | { readonly kind: 'question'; readonly outcome: RecordOutcome | 'failed' };

const statusOf: Record<Ending['kind'], MessageStatus> = {
  completed: 'complete',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  error: 'error',
};

const errorEvent = (code: StreamErrorCode): ChatStreamEvent => ({
  status: 'error',
  code,
  message:
    code === 'MODEL_ERROR'
      ? 'The model could not complete the answer.'
      : code === 'MAX_DURATION_EXCEEDED'
        ? 'The answer reached its maximum duration.'
        : 'An internal error occurred.',
});

const toUsageBody = (usage: ModelUsage | undefined): ModelUsageBody => ({
  input_tokens: usage?.inputTokens ?? 0,
  output_tokens: usage?.outputTokens ?? 0,
  total_tokens: usage?.totalTokens ?? 0,
});

/** A registered stream. `events()` runs it once. */
export class ChatStream {
  readonly streamId: string;
  readonly requestId: string;
  readonly messageId: string;

  #sent = '';
  #seq = 0;
  #checkpointedSeq = 0;
  #usage: ModelUsage | undefined;
  #firstTokenAt: Date | undefined;
  #heartbeats = 0;
  #lastHeartbeatOk: number;
  #abort = new AbortController();
  #question: Promise<RecordOutcome | 'failed'> | undefined;
  #ending: Ending | undefined;
  #finished = false;
  #summary: StreamSummary | undefined;

  constructor(
    private readonly deps: ChatStreamDeps,
    private readonly plan: StreamPlan,
  ) {
    this.streamId = plan.streamId;
    this.requestId = plan.requestId;
    this.messageId = plan.answerId;
    this.#lastHeartbeatOk = deps.clock.now().getTime();
  }

  async *events(): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const { deps, plan } = this;
    deps.observer.started({
      streamId: plan.streamId,
      requestId: plan.requestId,
      sessionId: plan.input.sessionId,
      roomId: plan.input.roomId,
      agentType: plan.agentType,
      queryChars: plan.input.query.length,
      contextTurns: plan.turns.length - 1,
      slot: plan.handle.slot,
    });
    try {
      yield {
        status: 'started',
        stream_id: plan.streamId,
        message_id: plan.answerId,
        request_id: plan.requestId,
      };
      if (plan.handle.cancel) {
        // A stop arrived before the stream registered (tombstone): end before calling the model.
        this.#ending = {
          kind: 'cancelled',
          reason: plan.handle.cancel.reason,
          requestedAt: plan.handle.cancel.requestedAt,
        };
        this.#recordQuestion();
      } else {
        yield* this.#run();
      }
      yield await this.#finish();
    } catch (error) {
      // Only a defect gets here: still end with exactly one terminal event when possible.
      deps.observer.problem('stream_failed', error, { streamId: plan.streamId });
      if (!this.#finished) {
        this.#ending = { kind: 'error', code: 'INTERNAL' };
        yield await this.#finish();
      }
    } finally {
      if (!this.#finished) {
        // The consumer went away before the terminal event: end the stream server-side.
        this.#ending ??= { kind: 'interrupted', by: 'consumer_gone' };
        await this.#finish();
      }
      await this.#afterTerminal();
    }
  }

  #message(role: Message['role'], content: string, status: MessageStatus, createdAt: Date): Message {
    const { plan } = this;
    return {
      message_id: role === 'user' ? plan.questionId : plan.answerId,
      room_id: plan.input.roomId,
      session_id: plan.input.sessionId,
      role,
      agent_type: plan.agentType,
      content,
      status,
      created_at: createdAt.toISOString(),
    };
  }

  #recordQuestion(): void {
    const { deps, plan } = this;
    this.#question = deps.conversation
      .recordMessage({
        userId: plan.input.userId,
        message: this.#message('user', plan.input.query, 'complete', plan.input.receivedAt),
        streamId: plan.streamId,
        requestId: plan.requestId,
        requestedAt: plan.input.receivedAt.toISOString(),
        sessionCreatedAt: plan.session.created_at,
        activeAt: plan.activeAt,
      })
      .catch((error: unknown) => {
        deps.observer.problem('question_not_stored', error, { streamId: plan.streamId });
        return 'failed' as const;
      });
  }

  async *#run(): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const { deps, plan } = this;
    const { clock, settings } = deps;
    this.#recordQuestion();
    const iterator = deps.model
      .stream({
        systemPrompt: agentByType(plan.agentType as AgentType).systemPrompt,
        turns: plan.turns,
        signal: this.#abort.signal,
      })
      [Symbol.asyncIterator]();
    const nextChunk = (): Promise<Wake> =>
      iterator.next().then(
        (result): Wake => ({ kind: 'chunk', result }),
        (error: unknown): Wake => ({ kind: 'chunk-failed', error }),
      );

    let chunk: Promise<Wake> | undefined = nextChunk();
    let heartbeat: Promise<Wake> | undefined;
    let question: Promise<Wake> | undefined = this.#question?.then(
      (outcome): Wake => ({ kind: 'question', outcome }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    let tick: Promise<Wake> | undefined;
    // Fixed rate: the next poll is due one interval after the previous one began, however long
    // its write took, so a stop waits at most one interval plus one round trip.
    let nextTickAt = performance.now() + settings.pollIntervalMs;
    const scheduleTick = () => {
      const wait = Math.max(0, nextTickAt - performance.now());
      nextTickAt = Math.max(nextTickAt, performance.now()) + settings.pollIntervalMs;
      tick = new Promise<Wake>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'tick' }), wait);
      });
    };
    scheduleTick();

    try {
      while (!this.#ending) {
        const wake = await Promise.race(
          [chunk, tick, heartbeat, question].filter((p): p is Promise<Wake> => p !== undefined),
        );
        switch (wake.kind) {
          case 'chunk': {
            if (wake.result.done) {
              chunk = undefined;
              this.#ending = { kind: 'completed' };
              break;
            }
            const value = wake.result.value;
            chunk = nextChunk();
            if (value.type === 'usage') {
              this.#usage = value.usage;
            } else if (value.text.length > 0) {
              this.#firstTokenAt ??= clock.now();
              this.#sent += value.text;
              this.#seq += 1;
              yield { status: 'streaming', content: value.text, seq: this.#seq };
            }
            break;
          }
          case 'chunk-failed':
            chunk = undefined;
            deps.observer.problem('model_failed', wake.error, { streamId: plan.streamId });
            this.#ending = { kind: 'error', code: 'MODEL_ERROR' };
            break;
          case 'tick': {
            tick = undefined;
            if (clock.now().getTime() >= plan.deadline) {
              this.#ending = { kind: 'interrupted', by: 'max_duration' };
              break;
            }
            heartbeat = this.#heartbeat();
            break;
          }
          case 'heartbeat':
            heartbeat = undefined;
            if (wake.outcome.state === 'cancelled') {
              this.#ending = {
                kind: 'cancelled',
                reason: wake.outcome.cancel.reason,
                requestedAt: wake.outcome.cancel.requestedAt,
              };
            } else if (wake.outcome.state === 'lost') {
              this.#ending = { kind: 'cancelled', reason: 'stream_lost' };
            } else {
              scheduleTick();
            }
            break;
          case 'heartbeat-failed':
            heartbeat = undefined;
            deps.observer.problem('heartbeat_failed', wake.error, { streamId: plan.streamId });
            // A few lost heartbeats are survivable; a stream that cannot renew its lease for
            // half of it could lose its slot and would not see a stop: end it.
            if (clock.now().getTime() - this.#lastHeartbeatOk > settings.leaseMs / 2) {
              this.#ending = { kind: 'error', code: 'INTERNAL' };
            } else {
              scheduleTick();
            }
            break;
          case 'question':
            question = undefined;
            if (wake.outcome === 'gone') {
              // The room or session was deleted, or the history cleared, since the request arrived.
              this.#ending = { kind: 'cancelled', reason: 'conversation_gone', skipStore: true };
            } else if (wake.outcome === 'failed') {
              this.#ending = { kind: 'error', code: 'INTERNAL', skipStore: true };
            }
            break;
        }
      }
    } finally {
      if (timer) clearTimeout(timer);
      if (chunk) {
        // The model is still going: stop it, and let its iterator wind down on its own.
        this.#abort.abort();
        void chunk.then(() => iterator.return?.()).catch(() => undefined);
      }
    }
  }

  #heartbeat(): Promise<Wake> {
    const { deps, plan } = this;
    const seq = this.#seq;
    const checkpoint = seq > this.#checkpointedSeq ? { partialResponse: this.#sent, seq } : undefined;
    this.#heartbeats += 1;
    return deps.activeStreams.heartbeat(plan.handle, checkpoint).then(
      (outcome): Wake => {
        this.#lastHeartbeatOk = deps.clock.now().getTime();
        if (checkpoint) this.#checkpointedSeq = Math.max(this.#checkpointedSeq, seq);
        return { kind: 'heartbeat', outcome };
      },
      (error: unknown): Wake => ({ kind: 'heartbeat-failed', error }),
    );
  }

  /**
   * Stores the answer, then frees the slot, then hands back the terminal event: a client that
   * sees `completed`/`cancelled` can read the answer from the history at once, and its slot
   * is already free for the next question.
   */
  /**
   * After the terminal event (it waits for nothing here): the session no longer names this
   * stream, and the stream's log line and metrics go out.
   */
  async #afterTerminal(): Promise<void> {
    const { deps, plan } = this;
    if (this.#question && (await this.#question) === 'recorded') {
      await deps.conversation
        .releaseSession(plan.input.userId, plan.input.sessionId, plan.streamId)
        .catch((error: unknown) =>
          deps.observer.problem('session_release_failed', error, { streamId: plan.streamId }),
        );
    }
    if (this.#summary) deps.observer.ended(this.#summary);
  }

  async #finish(): Promise<ChatStreamEvent> {
    const { deps, plan } = this;
    this.#finished = true;
    const ending: Ending = this.#ending ?? { kind: 'error', code: 'INTERNAL' };
    const exitedAt = deps.clock.now();
    const status = statusOf[ending.kind];
    const questionOutcome = this.#question ? await this.#question : 'skipped';
    const skipStore = ('skipStore' in ending && ending.skipStore) || questionOutcome !== 'recorded';

    const [stored] = await Promise.all([
      skipStore
        ? Promise.resolve(questionOutcome === 'recorded' ? ('skipped' as const) : questionOutcome)
        : deps.conversation
            .recordMessage({
              userId: plan.input.userId,
              message: this.#message(
                'assistant',
                this.#sent,
                status,
                // After the question, whatever the clocks of the instances say.
                new Date(Math.max(exitedAt.getTime(), plan.input.receivedAt.getTime() + 1)),
              ),
              streamId: plan.streamId,
              requestId: plan.requestId,
              requestedAt: plan.input.receivedAt.toISOString(),
              sessionCreatedAt: plan.session.created_at,
            })
            .catch((error: unknown) => {
              deps.observer.problem('answer_not_stored', error, { streamId: plan.streamId });
              return 'failed' as const;
            }),
      deps.activeStreams.finish(plan.handle, status).catch((error: unknown) => {
        deps.observer.problem('finish_failed', error, { streamId: plan.streamId });
      }),
    ]);
    const endedAt = deps.clock.now();
    const received = plan.input.receivedAt.getTime();
    this.#summary = {
      streamId: plan.streamId,
      requestId: plan.requestId,
      sessionId: plan.input.sessionId,
      roomId: plan.input.roomId,
      agentType: plan.agentType,
      status,
      ...(ending.kind === 'cancelled' ? { cancelReason: ending.reason } : {}),
      ...(ending.kind === 'error' ? { errorType: ending.code } : {}),
      ...(ending.kind === 'interrupted' ? { interruption: ending.by } : {}),
      deltas: this.#seq,
      outputChars: this.#sent.length,
      responseTimeMs: endedAt.getTime() - received,
      ...(this.#firstTokenAt ? { timeToFirstTokenMs: this.#firstTokenAt.getTime() - received } : {}),
      ...(ending.kind === 'cancelled' && ending.requestedAt
        ? { stopLatencyMs: Math.max(0, exitedAt.getTime() - ending.requestedAt.getTime()) }
        : {}),
      heartbeats: this.#heartbeats,
      stored,
    };

    switch (ending.kind) {
      case 'completed':
        return { status: 'completed', message_id: plan.answerId, usage: toUsageBody(this.#usage) };
      case 'cancelled':
        return { status: 'cancelled', partial_response: this.#sent };
      case 'interrupted':
        return errorEvent('MAX_DURATION_EXCEEDED');
      case 'error':
        return errorEvent(ending.code);
    }
  }
}
