import { randomUUID } from 'node:crypto';
import { type AgentType, defaultAgentType } from '../../schemas/agents';
import { DomainError } from '../errors';
import { roomNotFound } from '../rooms/get-room';
import { isLiveRoom } from '../rooms/room-policy';
import { sessionExpired, sessionNotFound } from '../sessions/load-session';
import { activeAt, isEndedByRoom, isExpired, sessionPolicy } from '../sessions/session-policy';
import { ChatStream } from './chat-stream';
import { buildModelTurns, memoryCutoff } from './conversation-context';
import type { ChatStreamDeps } from './ports';
import { recoverIfLapsed } from './recover-stream';
import { requestAlreadyUsed, streamLimitReached } from './stream-rules';

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

/**
 * Opens a chat stream (DESIGN §4, "Chat stream"). Pre-checks and registration: at most 2 sequential DynamoDB round trips before the first
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
  if (!isLiveRoom(room)) throw roomNotFound();
  if (isEndedByRoom(session, room)) throw sessionNotFound();
  const policy = deps.sessionPolicy ?? sessionPolicy;
  if (isExpired(session, deps.clock.now(), policy)) throw sessionExpired();
  if (admission.existingRequest) throw requestAlreadyUsed(admission.existingRequest.status);
  if (admission.freeSlots.length === 0) throw streamLimitReached();

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
  const registered = await deps.activeStreams.register(
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
      sessionCreatedAt: session.created_at,
    },
    admission,
  );
  // Streams of this user whose process died and whose slot lapsed: finished from their log
  // beside this stream (not before its first byte); the stream waits for it before it returns.
  const recovery = Promise.all(
    (admission.lapsed ?? []).map((lapsedId) => recoverIfLapsed(deps, input.userId, lapsedId)),
  ).catch((error: unknown) => deps.observer.problem('recovery_failed', error, { streamId }));
  if (registered.kind === 'request-taken') throw requestAlreadyUsed('running');
  if (registered.kind === 'no-free-slot') throw streamLimitReached();
  const { handle } = registered;

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
    background: recovery,
  });
}
