import type { SessionRecord } from '../../schemas/sessions';
import type { LapsedStreamFinisher } from '../rooms/ports';
import { loadSession } from './load-session';
import type { SessionDeps } from './ports';

/** The user's active session (404 if unknown or ended by its room, 410 if expired). Reading does not extend it. */
export async function getSession(
  deps: Pick<SessionDeps, 'sessions' | 'rooms' | 'clock' | 'policy'> & {
    /** A stream of the session whose process died is finished from its log first (its `active_stream_id` cleared). */
    readonly lapsedStreams?: LapsedStreamFinisher;
  },
  userId: string,
  sessionId: string,
): Promise<SessionRecord> {
  await deps.lapsedStreams?.finishLapsed(userId, { sessionId });
  return (await loadSession(deps, userId, sessionId)).session;
}
