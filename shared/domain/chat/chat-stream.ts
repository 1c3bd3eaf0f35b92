import { type AgentType, agentByType } from '../../schemas/agents';
import type { ChatStreamEvent } from '../../schemas/chat';
import { type Ending, errorEventOf, finishStream, type StreamPlan, streamMessage } from './final-writes';
import type {
  ChatStreamDeps,
  LoggedDelta,
  ModelChunk,
  ModelUsage,
  PollOutcome,
  RecordOutcome,
  StreamSummary,
} from './ports';

/**
 * The answer of a registered chat stream (DESIGN §4, "Chat stream"), as an async generator of
 * events (`ChatStream.events`), which never throws and always ends with exactly one terminal
 * event. `openChatStream` (./open-chat-stream.ts) makes it after the pre-checks; the final
 * writes are ./final-writes.ts.
 *
 * Cancellation is polled on a TIME interval, never per chunk: one small strongly consistent read
 * of the stream record per interval. The deltas go to the stream log in chunks, one per flush
 * interval (each holds only what was sent since the previous one, so write units grow linearly
 * with the answer), and the lease is renewed every third of its length. DynamoDB work per answer
 * therefore depends on its duration and length, never on its token count.
 */

type Wake =
  | { readonly kind: 'chunk'; readonly result: IteratorResult<ModelChunk> }
  | { readonly kind: 'chunk-failed'; readonly error: unknown }
  | { readonly kind: 'tick' }
  | {
      readonly kind: 'housekeeping';
      /** The poll's outcome, or the renewal's `lost`; undefined when a call failed. */
      readonly outcome: PollOutcome | undefined;
      readonly errors: readonly unknown[];
    }
  | { readonly kind: 'question'; readonly outcome: RecordOutcome | 'failed' };

/** A registered stream. `events()` runs it once. */
export class ChatStream {
  readonly streamId: string;
  readonly requestId: string;
  readonly messageId: string;

  #sent = '';
  #seq = 0;
  /** Deltas sent since the last flush, then sealed chunks waiting for (or retrying) their write. */
  #pending: LoggedDelta[] = [];
  #unwritten: LoggedDelta[][] = [];
  /** Flushes run one after another, so chunks land in seq order (a follower never skips one). */
  #flushing: Promise<void> = Promise.resolve();
  #lastFlushAt: number;
  #lastRenewalAt: number;
  #usage: ModelUsage | undefined;
  #firstTokenAt: Date | undefined;
  #polls = 0;
  #leaseRenewals = 0;
  #logChunks = 0;
  #lastReachedStorage: number;
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
    const now = deps.clock.now().getTime();
    this.#lastReachedStorage = now;
    this.#lastFlushAt = now;
    this.#lastRenewalAt = now;
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
      if (this.#ending?.kind === 'error' && this.#ending.storageLost) {
        // DynamoDB is out of reach: the client hears at once, the answer is stored when it is
        // back (these writes retry within their time limits; else the stream is finished from its log).
        yield errorEventOf('INTERNAL');
        await this.#finish();
      } else {
        yield await this.#finish();
      }
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
    let housekeeping: Promise<Wake> | undefined;
    let question: Promise<Wake> | undefined = this.#question?.then(
      (outcome): Wake => ({ kind: 'question', outcome }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    let tick: Promise<Wake> | undefined;
    // Fixed rate: the next poll is due one interval after the previous one began, however long
    // its read took, so a stop waits at most one interval plus one round trip.
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
          [chunk, tick, housekeeping, question].filter((p): p is Promise<Wake> => p !== undefined),
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
              this.#pending.push({ seq: this.#seq, content: value.text });
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
            housekeeping = this.#housekeeping();
            break;
          }
          case 'housekeeping': {
            housekeeping = undefined;
            for (const error of wake.errors)
              deps.observer.problem('storage_call_failed', error, { streamId: plan.streamId });
            const outcome = wake.outcome;
            if (outcome?.state === 'cancelled') {
              this.#ending = {
                kind: 'cancelled',
                reason: outcome.cancel.reason,
                requestedAt: outcome.cancel.requestedAt,
                // A room or session delete flags its streams just before it commits: an answer
                // written in between would survive it (or come back with a restore). The
                // conversation is going: store nothing.
                ...(outcome.cancel.reason !== 'stop' ? { skipStore: true } : {}),
              };
            } else if (outcome?.state === 'lost') {
              this.#ending = { kind: 'cancelled', reason: 'stream_lost' };
            } else if (
              // A stream that cannot reach DynamoDB would not see a stop and will lose its lease:
              // it ends (with an error event) while its lease still holds.
              clock.now().getTime() - this.#lastReachedStorage >
              settings.leaseMs / 3
            ) {
              this.#ending = { kind: 'error', code: 'INTERNAL', storageLost: true };
            } else {
              scheduleTick();
            }
            break;
          }
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
      // Its calls have time limits; the final flush must follow its chunk, not overtake it.
      if (housekeeping) await housekeeping;
      if (chunk) {
        // The model is still going: stop it, and let its iterator wind down on its own.
        this.#abort.abort();
        void chunk.then(() => iterator.return?.()).catch(() => undefined);
      }
    }
  }

  /**
   * One poll: the cancel-flag read, and when due the log flush and the lease renewal, side by
   * side. A call that fails is retried at the next poll (a flush keeps its chunk).
   */
  async #housekeeping(): Promise<Wake> {
    const { deps, plan } = this;
    const { clock, settings, activeStreams } = deps;
    const at = clock.now().getTime();
    const flush = at - this.#lastFlushAt >= settings.logFlushMs;
    const renew = at - this.#lastRenewalAt >= settings.leaseMs / 3;
    if (flush) this.#lastFlushAt = at;
    this.#polls += 1;
    const [poll, flushed, renewed] = await Promise.allSettled([
      activeStreams.poll(plan.handle),
      flush ? this.flushLog() : Promise.resolve(),
      renew ? activeStreams.renewLease(plan.handle) : Promise.resolve(undefined),
    ]);
    const errors = [poll, flushed, renewed].flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    if (poll.status === 'fulfilled') this.#lastReachedStorage = clock.now().getTime();
    if (renew && renewed.status === 'fulfilled') {
      this.#lastRenewalAt = at;
      this.#leaseRenewals += 1;
      if (renewed.value === 'lost') return { kind: 'housekeeping', outcome: { state: 'lost' }, errors };
    }
    return { kind: 'housekeeping', outcome: poll.status === 'fulfilled' ? poll.value : undefined, errors };
  }

  /**
   * Seals the deltas sent since the last flush into a chunk and writes the chunks not yet
   * written, in order. Rejects if a write failed (its chunk stays for the next flush).
   */
  flushLog(): Promise<void> {
    if (this.#pending.length > 0) {
      this.#unwritten.push(this.#pending);
      this.#pending = [];
    }
    const run = this.#flushing.then(async () => {
      while (this.#unwritten[0]) {
        await this.deps.activeStreams.appendLog(this.plan.handle, this.#unwritten[0]);
        this.#unwritten.shift();
        this.#logChunks += 1;
      }
    });
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  /**
   * After the terminal event (it waits for nothing here): the session no longer names this
   * stream, and the stream's log line and metrics go out.
   */
  async #afterTerminal(): Promise<void> {
    const { deps, plan } = this;
    await plan.background;
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
        question: this.#question,
        flushLog: () => this.flushLog(),
        counts: () => ({
          polls: this.#polls,
          leaseRenewals: this.#leaseRenewals,
          logChunks: this.#logChunks,
        }),
      },
      this.#ending ?? { kind: 'error', code: 'INTERNAL' },
    );
    this.#summary = summary;
    return event;
  }
}
