import type { SessionRecord } from '../../schemas/sessions';
import { loadSession } from './load-session';
import type { SessionDeps } from './ports';

/** The user's active session (404 if unknown or ended by its room, 410 if expired). Reading does not extend it. */
export async function getSession(
  deps: Pick<SessionDeps, 'sessions' | 'rooms' | 'clock' | 'policy'>,
  userId: string,
  sessionId: string,
): Promise<SessionRecord> {
  return (await loadSession(deps, userId, sessionId)).session;
}
