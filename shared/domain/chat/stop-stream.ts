import type { StopStreamResult } from '../../schemas/chat';
import { DomainError } from '../errors';
import { loadSession } from '../sessions/load-session';
import type { ActiveStreams, LiveStream, StopStreamDeps } from './ports';

/** How often the stop reads the stream record while it waits for the loop to end the stream. */
const ACK_READ_INTERVAL_MS = 20;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

import { sessionStopReaches } from './stream-rules';

export interface StopTarget {
  readonly streamId?: string | undefined;
  readonly requestId?: string | undefined;
}

const streamNotFound = () => new DomainError('STREAM_NOT_FOUND', 'Stream not found in this session.');

/**
 * The stop's answer once the stream is flagged: it waits (bounded: two poll intervals plus a
 * second) for the stream's loop to end it, and answers with the final text — the log holds
 * every delta sent before the record was ended, so it equals the `cancelled` event's
 * `partial_response`. If the loop does not answer in time (its process died), the logged text.
 * A stream that ended otherwise meanwhile (it completed first) was not stopped.
 */
async function acknowledged(
  deps: StopStreamDeps,
  userId: string,
  sessionId: string,
  stream: LiveStream,
): Promise<StopStreamResult> {
  const { activeStreams, clock } = deps;
  const sleep = deps.sleep ?? realSleep;
  const deadline = clock.now().getTime() + 2 * deps.settings.pollIntervalMs + 1000;
  let record = await activeStreams.getRecord(userId, stream.streamId);
  while (record?.status === 'running' && clock.now().getTime() < deadline) {
    await sleep(ACK_READ_INTERVAL_MS);
    record = await activeStreams.getRecord(userId, stream.streamId);
  }
  if (record && record.status !== 'running' && record.status !== 'cancelled')
    return nothingStopped(sessionId, stream.streamId);
  const log = await activeStreams.readLog(userId, stream.streamId);
  const lastSeq = record?.lastSeq ?? Number.POSITIVE_INFINITY;
  return {
    session_id: sessionId,
    stopped: true,
    stream_id: stream.streamId,
    partial_response: log
      .filter((delta) => delta.seq <= lastSeq)
      .map((delta) => delta.content)
      .join(''),
  };
}

const nothingStopped = (sessionId: string, streamId: string | null = null): StopStreamResult => ({
  session_id: sessionId,
  stopped: false,
  stream_id: streamId,
  partial_response: null,
});

/**
 * POST /api/session/{session_id}/stop. Sets the cancel flag of the session's live stream (or
 * of the given stream or request) in DynamoDB; the stream's loop, in whatever process, sees it
 * at its next poll and ends with `cancelled`. Answers when the loop has ended it, with the
 * final text (see `acknowledged`).
 *
 * Idempotent: `stopped` is true while the target is live and carries a stop request (this
 * call's or an earlier one's: a second stop answers the same), false once it has ended or when
 * nothing is live yet. In that last case a tombstone (60 s) cancels the stream the moment it
 * registers: by request_id for that request; by session for a request that arrived before the
 * stop. The tombstone is written first and the lookup repeated, so a stream registering
 * between the two is flagged here instead (registration checks tombstones in its transaction).
 *
 * Works on an expired session (stopping is always safe); 404 for another user's session, one
 * ended by its room's deletion, or a stream/request of another session.
 */
export async function stopStream(
  deps: StopStreamDeps,
  userId: string,
  sessionId: string,
  target: StopTarget,
): Promise<StopStreamResult> {
  const { activeStreams } = deps;
  const session = loadSession(deps, userId, sessionId, { allowExpired: true });

  if (target.streamId) {
    const [, stream] = await Promise.all([session, activeStreams.getStream(userId, target.streamId)]);
    if (!stream) return nothingStopped(sessionId, target.streamId);
    if (stream.sessionId !== sessionId) throw streamNotFound();
    const flagged = await activeStreams.requestCancel(userId, stream.streamId, 'stop');
    return flagged
      ? acknowledged(deps, userId, sessionId, flagged)
      : nothingStopped(sessionId, stream.streamId);
  }

  if (target.requestId) {
    const requestId = target.requestId;
    const [, request] = await Promise.all([session, activeStreams.getRequest(userId, requestId)]);
    if (request && request.sessionId !== sessionId) throw streamNotFound();
    if (request) {
      const flagged =
        request.status === 'running'
          ? await activeStreams.requestCancel(userId, request.streamId, 'stop')
          : undefined;
      return flagged
        ? acknowledged(deps, userId, sessionId, flagged)
        : nothingStopped(sessionId, request.streamId);
    }
    await activeStreams.leaveTombstone(userId, { requestId });
    const registered = await activeStreams.getRequest(userId, requestId);
    const flagged =
      registered?.status === 'running' && registered.sessionId === sessionId
        ? await activeStreams.requestCancel(userId, registered.streamId, 'stop')
        : undefined;
    return flagged ? acknowledged(deps, userId, sessionId, flagged) : nothingStopped(sessionId);
  }

  const ofSession = (streams: readonly LiveStream[]) =>
    streams.filter((stream) => stream.sessionId === sessionId);
  // The flag goes out beside the session check, not after it: the slots name the session's
  // live streams in one read, and only the caller's own streams can carry this session's id.
  const [, flaggedFirst] = await Promise.all([
    session,
    activeStreams.liveStreamIds(userId, { sessionId }).then((ids) => flagAll(activeStreams, userId, ids)),
  ]);
  if (flaggedFirst) return acknowledged(deps, userId, sessionId, flaggedFirst);
  const tombstoneAt = await activeStreams.leaveTombstone(userId, { sessionId });
  const registered = ofSession(await activeStreams.liveStreams(userId)).filter((stream) =>
    sessionStopReaches(tombstoneAt, stream.requestedAt),
  );
  const flagged = await flagAll(
    activeStreams,
    userId,
    registered.map((stream) => stream.streamId),
  );
  return flagged ? acknowledged(deps, userId, sessionId, flagged) : nothingStopped(sessionId);
}

/** Flags every stream (a session rarely has more than one); the newest flagged one is reported. */
async function flagAll(
  activeStreams: ActiveStreams,
  userId: string,
  streamIds: readonly string[],
): Promise<LiveStream | undefined> {
  const flagged = await Promise.all(
    streamIds.map((streamId) => activeStreams.requestCancel(userId, streamId, 'stop')),
  );
  return flagged
    .filter((stream): stream is LiveStream => stream !== undefined)
    .sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime())[0];
}
