import type { RoomRecord } from '../../schemas/rooms';
import type { SessionRecord } from '../../schemas/sessions';
import { DomainError } from '../errors';
import type { SessionDeps } from './ports';
import { isEndedByRoom, isExpired } from './session-policy';

export const sessionNotFound = (): DomainError => new DomainError('SESSION_NOT_FOUND', 'Session not found.');
export const sessionExpired = (): DomainError =>
  new DomainError('SESSION_EXPIRED', 'The session has expired; create a new one.');

/**
 * The user's session and its room, or 404 SESSION_NOT_FOUND when the session does not exist,
 * is another user's, or was ended by its room's deletion; then 410 SESSION_EXPIRED when it
 * is past its lifetime or idle limit (unless `allowExpired`). Two strongly consistent reads: the
 * session names its room.
 */
export async function loadSession(
  deps: Pick<SessionDeps, 'sessions' | 'rooms' | 'clock' | 'policy'>,
  userId: string,
  sessionId: string,
  options: { readonly allowExpired?: boolean } = {},
): Promise<{ readonly session: SessionRecord; readonly room: RoomRecord; readonly now: Date }> {
  const session = await deps.sessions.find(userId, sessionId);
  if (!session) throw sessionNotFound();
  const room = await deps.rooms.find(userId, session.room_id);
  if (!room || isEndedByRoom(session, room)) throw sessionNotFound();
  const now = deps.clock.now();
  if (!options.allowExpired && isExpired(session, now, deps.policy)) throw sessionExpired();
  return { session, room, now };
}
