import type { StreamScope } from '../rooms/ports';
import { errorEventOf, storedTerminalOf } from './final-writes';
import type { RecoveryDeps, StreamRecord } from './ports';

/**
 * Finishing a stream whose process died (DESIGN §4, "Resuming and following a stream"): its
 * lease lapsed and it never reached a terminal state. What its log holds is stored as the
 * answer with status `interrupted`, the record is ended with the terminal event
 * `{"status":"error","code":"STREAM_INTERRUPTED"}`, the slot is freed and the chat request
 * forgotten (a retry with its request_id runs again), and the session no longer names it.
 *
 * Safe to run twice or side by side: the answer's id is the stream's (written once), the
 * record's end is conditional on `running` with a lapsed lease, and the releases are
 * conditional on the stream id. A loop that was only slow (its lease lapsed while DynamoDB was
 * out of reach) finds its record ended and stops; its own answer write meets this one's.
 *
 * Called by every read that would show the stream (room history, session, the stream and its
 * events, the user's next chat request) and by the scheduled sweep on AWS.
 */
export async function recoverStream(deps: RecoveryDeps, record: StreamRecord): Promise<boolean> {
  const now = deps.clock.now();
  if (record.status !== 'running' || record.leaseExpiresAt.getTime() >= now.getTime()) return false;
  const log = await deps.activeStreams.readLog(record.userId, record.streamId);
  // The log is contiguous from seq 1; stop at a gap, should a chunk have gone missing.
  let lastSeq = 0;
  let text = '';
  for (const delta of log) {
    if (delta.seq !== lastSeq + 1) break;
    lastSeq = delta.seq;
    text += delta.content;
  }
  await deps.conversation.recordMessage({
    userId: record.userId,
    message: {
      message_id: record.messageId,
      room_id: record.roomId,
      session_id: record.sessionId,
      role: 'assistant',
      agent_type: record.agentType,
      content: text,
      status: 'interrupted',
      created_at: new Date(Math.max(now.getTime(), record.requestedAt.getTime() + 1)).toISOString(),
    },
    streamId: record.streamId,
    requestId: record.requestId,
    requestedAt: record.requestedAt.toISOString(),
    sessionCreatedAt: record.sessionCreatedAt,
  });
  const ended = await deps.activeStreams.markInterrupted(record, {
    status: 'interrupted',
    lastSeq,
    terminal: storedTerminalOf(errorEventOf('STREAM_INTERRUPTED')),
  });
  await Promise.all([
    deps.activeStreams.release(record),
    deps.conversation.releaseSession(record.userId, record.sessionId, record.streamId),
  ]);
  if (ended) deps.onRecovered?.(record, lastSeq);
  return ended;
}

/** Reads the record and finishes it if its lease lapsed; returns the record as it is now. */
export async function recoverIfLapsed(
  deps: RecoveryDeps,
  userId: string,
  streamId: string,
): Promise<StreamRecord | undefined> {
  const record = await deps.activeStreams.getRecord(userId, streamId);
  if (record?.status !== 'running' || record.leaseExpiresAt.getTime() >= deps.clock.now().getTime())
    return record;
  await recoverStream(deps, record);
  return deps.activeStreams.getRecord(userId, streamId);
}

/** The `LapsedStreamFinisher` of the rooms and sessions areas: the user's lapsed streams in scope. */
export async function finishLapsedStreams(
  deps: RecoveryDeps,
  userId: string,
  scope: StreamScope,
): Promise<number> {
  const streamIds = await deps.activeStreams.lapsedStreams(userId, scope);
  const finished = await Promise.all(
    streamIds.map(async (streamId) => {
      const record = await deps.activeStreams.getRecord(userId, streamId);
      return record ? recoverStream(deps, record) : false;
    }),
  );
  return finished.filter(Boolean).length;
}

/** The scheduled sweep (AWS): every shard of the running-streams index, no Scan. */
export async function sweepLapsedStreams(
  deps: RecoveryDeps,
  shards: number,
  options: { readonly shouldContinue?: () => boolean } = {},
): Promise<{ readonly found: number; readonly recovered: number }> {
  let found = 0;
  let recovered = 0;
  for (let shard = 0; shard < shards; shard++) {
    if (options.shouldContinue && !options.shouldContinue()) break;
    const lapsed = await deps.activeStreams.lapsedStreamsInShard(shard, deps.clock.now());
    found += lapsed.length;
    for (const ref of lapsed) {
      if (options.shouldContinue && !options.shouldContinue()) break;
      const record = await deps.activeStreams.getRecord(ref.userId, ref.streamId);
      if (record && (await recoverStream(deps, record))) recovered += 1;
    }
  }
  return { found, recovered };
}
