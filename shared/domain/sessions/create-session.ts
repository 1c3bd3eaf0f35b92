import { type AgentType, defaultAgentType } from '../../schemas/agents';
import type { SessionRecord } from '../../schemas/sessions';
import { roomNotFound } from '../rooms/get-room';
import type { SessionDeps } from './ports';

/**
 * Opens a session in one of the user's live rooms (404 ROOM_NOT_FOUND otherwise). The room's
 * liveness is checked inside the same transaction that writes the session.
 */
export async function createSession(
  deps: Pick<SessionDeps, 'sessions' | 'clock' | 'policy' | 'newId'>,
  userId: string,
  input: { readonly room_id: string; readonly agent_type?: AgentType | undefined },
): Promise<SessionRecord> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const agentType = input.agent_type ?? defaultAgentType;
  const expiresAt = new Date(now.getTime() + deps.policy.lifetimeMs);
  const session: SessionRecord = {
    session_id: `sess_${deps.newId()}`,
    user_id: userId,
    room_id: input.room_id,
    agent_type: agentType,
    created_at: at,
    last_activity: at,
    expires_at: expiresAt.toISOString(),
    agents: { [agentType]: { memory_reset_at: null } },
    active_stream_id: null,
  };
  const outcome = await deps.sessions.create(session, expiresAt);
  if (outcome === 'room-not-found') throw roomNotFound();
  return session;
}
