import { type AgentType, agentByType } from '../../schemas/agents';
import type { ChatStreamEvent } from '../../schemas/chat';
import { type Ending, finishStream, type StreamPlan, streamMessage } from './final-writes';
import type {
  ActiveStreams,
  ChatStreamDeps,
  ModelChunk,
  ModelUsage,
  RecordOutcome,
  StreamSummary,
} from './ports';

/**
 * The answer of a registered chat stream (DESIGN §4, "Chat stream"), as an async generator of
 * events (`ChatStream.events`), which never throws and always ends with exactly one terminal
 * event. `openChatStream` (./open-chat-stream.ts) makes it after the pre-checks; the final
 * writes are ./final-writes.ts.
 *
 * Cancellation is polled on a TIME interval, never per chunk: one heartbeat write per interval
 * renews the lease, checkpoints the partial text and reports the cancel flag, so DynamoDB work
 * per answer depends on its duration, not on its token count.
 */

type Wake =
  | { readonly kind: 'chunk'; readonly result: IteratorResult<ModelChunk> }
  | { readonly kind: 'chunk-failed'; readonly error: unknown }
  | { readonly kind: 'tick' }
  | { readonly kind: 'heartbeat'; readonly outcome: Awaited<ReturnType<ActiveStreams['heartbeat']>> }
  | { readonly kind: 'heartbeat-failed'; readonly error: unknown }
  | { readonly kind: 'question'; readonly outcome: RecordOutcome | 'failed' };

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

  #recordQuestion(): void {
    const { deps, plan } = this;
    this.#question = deps.conversation
      .recordMessage({
        userId: plan.input.userId,
        message: streamMessage(plan, 'user', plan.input.query, 'complete', plan.input.receivedAt),
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
    this.#finished = true;
    const { event, summary } = await finishStream(
      this.deps,
      this.plan,
      {
        sent: this.#sent,
        seq: this.#seq,
        usage: this.#usage,
        firstTokenAt: this.#firstTokenAt,
        heartbeats: this.#heartbeats,
        question: this.#question,
      },
      this.#ending ?? { kind: 'error', code: 'INTERNAL' },
    );
    this.#summary = summary;
    return event;
  }
}
