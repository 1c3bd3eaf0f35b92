import { loadSession, sessionNotFound } from './load-session';
import type { SessionDeps } from './ports';

/**
 * Deletes a session, expired or not, after flagging its live stream to stop (first, so a failed
 * flagging deletes nothing and a retry does the whole job).
 */
export async function deleteSession(
  deps: Pick<SessionDeps, 'sessions' | 'rooms' | 'clock' | 'policy' | 'streams'>,
  userId: string,
  sessionId: string,
): Promise<{ session_id: string; deleted: true }> {
  await loadSession(deps, userId, sessionId, { allowExpired: true });
  await deps.streams.cancelStreams(userId, { sessionId });
  if (!(await deps.sessions.delete(userId, sessionId))) throw sessionNotFound();
  return { session_id: sessionId, deleted: true };
}
