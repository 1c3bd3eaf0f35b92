import type { ChatStreamEvent, ModelUsageBody, StreamErrorCode } from '../../schemas/chat';
import type { Message } from '../../schemas/messages';
import type { SessionRecord } from '../../schemas/sessions';
import type { ActiveAt } from '../sessions/session-policy';
import type {
  ChatStreamDeps,
  MessageStatus,
  ModelTurn,
  ModelUsage,
  RecordOutcome,
  StoredTerminal,
  StreamHandle,
  StreamSummary,
} from './ports';

/**
 * The end of a chat stream: how it ended, the answer's message, the slot freed, the terminal
 * event and the summary for logs and metrics. The loop (./chat-stream.ts) decides the ending;
 * this module does the final writes.
 */

/** Who the stream is, decided by `openChatStream` before the first byte. */
export interface StreamPlan {
  readonly input: {
    readonly userId: string;
    readonly query: string;
    readonly sessionId: string;
    readonly roomId: string;
    readonly receivedAt: Date;
  };
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
  /** Work started beside the stream (finishing the user's lapsed streams) that it waits for before it returns. */
  readonly background?: Promise<unknown>;
}

export type Ending =
  | { readonly kind: 'completed' }
  | {
      readonly kind: 'cancelled';
      readonly reason: StreamSummary['cancelReason'];
      readonly requestedAt?: Date;
      /** The conversation is gone: nothing is stored. */
      readonly skipStore?: boolean;
    }
  | { readonly kind: 'interrupted'; readonly by: 'max_duration' | 'consumer_gone' }
  | {
      readonly kind: 'error';
      readonly code: 'MODEL_ERROR' | 'INTERNAL';
      readonly skipStore?: boolean;
      /** DynamoDB was out of reach for a third of the lease. */
      readonly storageLost?: boolean;
    };

/** What the loop got done, as the final writes need it. */
export interface StreamProgress {
  readonly sent: string;
  readonly seq: number;
  readonly usage: ModelUsage | undefined;
  readonly firstTokenAt: Date | undefined;
  /** The question's write, if it was started. */
  readonly question: Promise<RecordOutcome | 'failed'> | undefined;
  /** Writes the deltas not yet in the stream log; rejects if it cannot. */
  readonly flushLog: () => Promise<void>;
  readonly counts: () => {
    readonly polls: number;
    readonly leaseRenewals: number;
    readonly logChunks: number;
  };
}

const statusOf: Record<Ending['kind'], MessageStatus> = {
  completed: 'complete',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  error: 'error',
};

export const errorEventOf = (code: StreamErrorCode): Extract<ChatStreamEvent, { status: 'error' }> => ({
  status: 'error',
  code,
  message:
    code === 'MODEL_ERROR'
      ? 'The model could not complete the answer.'
      : code === 'MAX_DURATION_EXCEEDED'
        ? 'The answer reached its maximum duration.'
        : code === 'STREAM_INTERRUPTED'
          ? 'The answer was interrupted; what was sent before is stored.'
          : 'An internal error occurred.',
});

const toUsageBody = (usage: ModelUsage | undefined): ModelUsageBody => ({
  input_tokens: usage?.inputTokens ?? 0,
  output_tokens: usage?.outputTokens ?? 0,
  total_tokens: usage?.totalTokens ?? 0,
});

/** The stream's user or assistant message. */
export function streamMessage(
  plan: StreamPlan,
  role: Message['role'],
  content: string,
  status: MessageStatus,
  createdAt: Date,
): Message {
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

/**
 * Writes the rest of the stream log, then stores the answer and ends the stream record (its
 * terminal event kept for replays) and frees the slot, side by side; then hands back the
 * terminal event: a client that sees `completed`/`cancelled` can read the answer from the
 * history at once, its slot is already free, and a stop waiting for the end finds the log whole.
 * If the log cannot be completed, the record stays `running`: once its lease lapses the stream
 * is finished from its log (./recover-stream.ts), and a replay never shows a gap.
 */
export async function finishStream(
  deps: ChatStreamDeps,
  plan: StreamPlan,
  progress: StreamProgress,
  ending: Ending,
): Promise<{ readonly event: ChatStreamEvent; readonly summary: StreamSummary }> {
  const exitedAt = deps.clock.now();
  const status = statusOf[ending.kind];
  const questionOutcome = progress.question ? await progress.question : 'skipped';
  const skipStore = ('skipStore' in ending && ending.skipStore) || questionOutcome !== 'recorded';
  const event = terminalEvent(ending, plan, progress);
  // The record may only end once the log is whole; the answer's write need not wait for it.
  const logged = progress.flushLog().then(
    () => true,
    (error: unknown) => {
      deps.observer.problem('log_not_written', error, { streamId: plan.streamId });
      return false;
    },
  );

  const [stored] = await Promise.all([
    skipStore
      ? Promise.resolve(questionOutcome === 'recorded' ? ('skipped' as const) : questionOutcome)
      : deps.conversation
          .recordMessage({
            userId: plan.input.userId,
            message: streamMessage(
              plan,
              'assistant',
              progress.sent,
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
    logged.then((whole) =>
      whole
        ? deps.activeStreams
            .finish(plan.handle, { status, lastSeq: progress.seq, terminal: storedTerminalOf(event) })
            .catch((error: unknown) => {
              deps.observer.problem('finish_failed', error, { streamId: plan.streamId });
            })
        : undefined,
    ),
  ]);
  const endedAt = deps.clock.now();
  const received = plan.input.receivedAt.getTime();
  const summary: StreamSummary = {
    streamId: plan.streamId,
    requestId: plan.requestId,
    sessionId: plan.input.sessionId,
    roomId: plan.input.roomId,
    agentType: plan.agentType,
    status,
    ...(ending.kind === 'cancelled' ? { cancelReason: ending.reason } : {}),
    ...(ending.kind === 'error' ? { errorType: ending.code } : {}),
    ...(ending.kind === 'interrupted' ? { interruption: ending.by } : {}),
    deltas: progress.seq,
    outputChars: progress.sent.length,
    responseTimeMs: endedAt.getTime() - received,
    ...(progress.firstTokenAt ? { timeToFirstTokenMs: progress.firstTokenAt.getTime() - received } : {}),
    ...(ending.kind === 'cancelled' && ending.requestedAt
      ? { stopLatencyMs: Math.max(0, exitedAt.getTime() - ending.requestedAt.getTime()) }
      : {}),
    ...progress.counts(),
    consumedUnits: deps.activeStreams.consumed(plan.handle),
    ...(ending.kind === 'error' && ending.storageLost ? { storageLost: true } : {}),
    stored,
  };
  return { event, summary };
}

/** The terminal event as the stream record keeps it: a `cancelled` event's text is the log's. */
export function storedTerminalOf(event: ChatStreamEvent): StoredTerminal {
  switch (event.status) {
    case 'completed':
      return { status: 'completed', message_id: event.message_id, usage: event.usage };
    case 'error':
      return { status: 'error', code: event.code, message: event.message };
    default:
      return { status: 'cancelled' };
  }
}

function terminalEvent(ending: Ending, plan: StreamPlan, progress: StreamProgress): ChatStreamEvent {
  switch (ending.kind) {
    case 'completed':
      return { status: 'completed', message_id: plan.answerId, usage: toUsageBody(progress.usage) };
    case 'cancelled':
      return { status: 'cancelled', partial_response: progress.sent };
    case 'interrupted':
      return errorEventOf('MAX_DURATION_EXCEEDED');
    case 'error':
      return errorEventOf(ending.code);
  }
}
