import type { Session, SessionRecord } from '../../schemas/sessions';
import { effectiveExpiry, type SessionPolicy } from './session-policy';

export const toSessionView = (session: SessionRecord, policy: SessionPolicy): Session => ({
  session_id: session.session_id,
  user_id: session.user_id,
  room_id: session.room_id,
  agent_type: session.agent_type,
  created_at: session.created_at,
  last_activity: session.last_activity,
  expires_at: effectiveExpiry(session, policy).toISOString(),
  agents: session.agents,
  active_stream_id: session.active_stream_id ?? null,
});
