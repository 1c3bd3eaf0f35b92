import type { ChatStreamEvent, StreamView } from '../../schemas/chat';
import { DomainError } from '../errors';
import type { RecoveryDeps, StreamRecord } from './ports';
import { recoverIfLapsed } from './recover-stream';

/**
 * Resuming and following a stream from its log (DESIGN §4, "Resuming and following a
 * stream"): any instance, any number of readers, nothing but DynamoDB shared with the stream's
 * own loop. Each replayed event is identical to the one the stream sent (same `seq`, same
 * `content`); the terminal event is rebuilt from the record (a `cancelled` event's text from
 * the log).
 */
export interface FollowDeps extends RecoveryDeps {
  /** How often a follower reads the record and the new chunks of a running stream. */
  readonly settings: { readonly followIntervalMs: number };
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const streamNotFound = () => new DomainError('STREAM_NOT_FOUND', 'Stream not found.');
const streamGone = () =>
  new DomainError('STREAM_GONE', "The stream's log has expired; its answer is in the room history.");

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const statusOf = (record: StreamRecord): StreamView['status'] =>
  record.status === 'complete' ? 'completed' : record.status;

/** GET /api/chat/streams/{stream_id}: a lapsed stream is finished from its log first. */
export async function getStreamView(
  deps: RecoveryDeps,
  userId: string,
  streamId: string,
): Promise<StreamView> {
  const record = await recoverIfLapsed(deps, userId, streamId);
  if (!record) throw streamNotFound();
  return {
    stream_id: record.streamId,
    session_id: record.sessionId,
    room_id: record.roomId,
    request_id: record.requestId,
    status: statusOf(record),
    last_seq: record.lastSeq ?? (await deps.activeStreams.lastLoggedSeq(userId, streamId)),
  };
}

export interface FollowOptions {
  /** Replay the events after this seq; undefined: from `started`. */
  readonly afterSeq?: number | undefined;
  /** Give up (without a terminal event: the client resumes) when this returns false. */
  readonly shouldContinue?: () => boolean;
}

/** The events, with their SSE ids: `started` 0, a delta its seq, the terminal event last seq + 1. */
export interface StreamEventWithId {
  readonly id: number;
  readonly event: ChatStreamEvent;
}

/**
 * GET /api/chat/streams/{stream_id}/events: checks before the first byte (404 unknown or
 * another user's, 410 once the log expired), then the replay and the live rest.
 */
export async function openStreamEvents(
  deps: FollowDeps,
  userId: string,
  streamId: string,
  options: FollowOptions = {},
): Promise<AsyncGenerator<StreamEventWithId, void, undefined>> {
  const record = await recoverIfLapsed(deps, userId, streamId);
  if (!record) throw streamNotFound();
  if (record.logExpiresAt && record.logExpiresAt.getTime() <= deps.clock.now().getTime()) throw streamGone();
  return follow(deps, record, options);
}

async function* follow(
  deps: FollowDeps,
  first: StreamRecord,
  options: FollowOptions,
): AsyncGenerator<StreamEventWithId, void, undefined> {
  const { activeStreams } = deps;
  const { userId, streamId } = first;
  const sleep = deps.sleep ?? realSleep;
  let record: StreamRecord | undefined = first;
  if (options.afterSeq === undefined) {
    yield {
      id: 0,
      event: {
        status: 'started',
        stream_id: first.streamId,
        message_id: first.messageId,
        request_id: first.requestId,
      },
    };
  }
  let cursor = options.afterSeq ?? 0;
  // The whole log first; then only the chunks after the last one read (chunks are written whole, in order).
  let fromSeq = 1;
  while (record) {
    const ended = record.status !== 'running';
    const lastSeq = record.lastSeq ?? Number.POSITIVE_INFINITY;
    const deltas = await activeStreams.readLog(userId, streamId, fromSeq);
    for (const delta of deltas) {
      if (delta.seq <= cursor || delta.seq > lastSeq) continue;
      cursor = delta.seq;
      yield { id: delta.seq, event: { status: 'streaming', content: delta.content, seq: delta.seq } };
    }
    const last = deltas.at(-1);
    if (last) fromSeq = last.seq + 1;
    if (ended) {
      const terminal = await terminalEventOf(deps, record);
      yield { id: Math.min(cursor, record.lastSeq ?? cursor) + 1, event: terminal };
      return;
    }
    if (options.shouldContinue && !options.shouldContinue()) return;
    await sleep(deps.settings.followIntervalMs);
    // The record first, then the log: every chunk of an ended stream was written before its end.
    record = await recoverIfLapsed(deps, userId, streamId);
  }
}

async function terminalEventOf(deps: FollowDeps, record: StreamRecord): Promise<ChatStreamEvent> {
  const terminal = record.terminal ?? {
    status: 'error',
    code: 'INTERNAL',
    message: 'An internal error occurred.',
  };
  if (terminal.status !== 'cancelled') return terminal;
  const log = await deps.activeStreams.readLog(record.userId, record.streamId);
  const lastSeq = record.lastSeq ?? Number.POSITIVE_INFINITY;
  return {
    status: 'cancelled',
    partial_response: log
      .filter((delta) => delta.seq <= lastSeq)
      .map((delta) => delta.content)
      .join(''),
  };
}

/** The ids of a live stream's events, as its replay gives them. */
export async function* withEventIds(
  events: AsyncIterable<ChatStreamEvent>,
): AsyncGenerator<StreamEventWithId, void, undefined> {
  let lastSeq = 0;
  for await (const event of events) {
    if (event.status === 'started') yield { id: 0, event };
    else if (event.status === 'streaming') {
      lastSeq = event.seq;
      yield { id: event.seq, event };
    } else yield { id: lastSeq + 1, event };
  }
}
