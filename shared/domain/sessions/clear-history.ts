import type { AgentType } from '../../schemas/agents';
import { DomainError } from '../errors';
import { loadSession, sessionNotFound } from './load-session';
import type { SessionDeps } from './ports';
import { activeAt } from './session-policy';

/**
 * Clears the stored history of the session's room, for one agent or all, in O(1): one
 * transaction moves a watermark on the room (readers hide what is at or before it, at once) and
 * records a job for the background deletion (shared/domain/rooms/delete-cleared-history.ts).
 * Then the room's live streams are flagged to stop, so an answer in flight does not add to
 * what was just cleared. Clearing again is harmless, so a retry after a failed flagging is safe.
 */
export async function clearSessionHistory(
  deps: SessionDeps,
  userId: string,
  sessionId: string,
  agentType: AgentType | undefined,
): Promise<{ session_id: string; room_id: string; cleared: true }> {
  const { session, now } = await loadSession(deps, userId, sessionId);
  const outcome = await deps.sessions.clearHistory({
    userId,
    sessionId,
    roomId: session.room_id,
    agentType,
    at: now.toISOString(),
    activeAt: activeAt(now, deps.policy),
    jobId: deps.newId(),
  });
  if (outcome === 'room-gone') throw sessionNotFound();
  if (outcome === 'contention') {
    throw new DomainError('CONFLICT', 'Too many concurrent changes to this room; retry.', {
      retryAfterSeconds: 1,
    });
  }
  if (outcome === 'session-inactive') {
    await loadSession(deps, userId, sessionId);
    throw new DomainError('CONFLICT', 'The session changed while its history was being cleared; retry.');
  }
  await deps.streams.cancelStreams(userId, { roomId: session.room_id });
  return { session_id: sessionId, room_id: session.room_id, cleared: true };
}
