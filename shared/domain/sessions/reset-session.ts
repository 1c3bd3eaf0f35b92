import { type AgentType, agentTypes } from '../../schemas/agents';
import { DomainError } from '../errors';
import { loadSession } from './load-session';
import type { SessionDeps } from './ports';
import { activeAt } from './session-policy';

/**
 * Resets one agent's conversational memory, or every agent's: the model is not shown turns
 * created at or before now. Stored history is untouched (that is "clear history").
 */
export async function resetSession(
  deps: Pick<SessionDeps, 'sessions' | 'rooms' | 'clock' | 'policy'>,
  userId: string,
  sessionId: string,
  agentType: AgentType | undefined,
): Promise<{ session_id: string; reset_agents: AgentType[] }> {
  const { now } = await loadSession(deps, userId, sessionId);
  const agents = agentType ? [agentType] : [...agentTypes];
  const done = await deps.sessions.resetMemory(userId, sessionId, {
    agents,
    at: now.toISOString(),
    activeAt: activeAt(now, deps.policy),
  });
  if (!done) {
    // It expired or was deleted between the read and the write: answer what it is now.
    await loadSession(deps, userId, sessionId);
    throw new DomainError('CONFLICT', 'The session changed while it was being reset; retry.');
  }
  return { session_id: sessionId, reset_agents: agents };
}
