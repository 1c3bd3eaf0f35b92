import type { Message } from '../../schemas/messages';
import type { RoomRecord } from '../../schemas/rooms';
import type { SessionRecord } from '../../schemas/sessions';
import type { ModelTurn } from './ports';

/**
 * What the model is shown of earlier turns: only this agent's, only after its memory reset
 * (per session) and after the room's history watermarks (all agents, and this agent) — a turn
 * at or before any of them is hidden, as readers hide it — at most `maxTurns` of them, shaped
 * as the alternating user/assistant turns model APIs (Bedrock Converse) require, ending with
 * the new question.
 */
export function memoryCutoff(
  session: SessionRecord,
  room: RoomRecord,
  agentType: string,
): string | undefined {
  const candidates = [
    session.agents[agentType]?.memory_reset_at,
    room.history_cleared_at,
    room.agent_history_cleared_at[agentType],
  ].filter((time): time is string => typeof time === 'string');
  return candidates.length === 0
    ? undefined
    : candidates.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}

export function buildModelTurns(input: {
  readonly history: readonly Message[];
  readonly agentType: string;
  readonly cutoff: string | undefined;
  readonly question: string;
  readonly maxTurns: number;
}): ModelTurn[] {
  const cutoff = input.cutoff === undefined ? Number.NEGATIVE_INFINITY : Date.parse(input.cutoff);
  const earlier = input.history
    .filter(
      (message) =>
        message.agent_type === input.agentType &&
        Date.parse(message.created_at) > cutoff &&
        message.content.trim().length > 0,
    )
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at))
    .slice(-input.maxTurns);

  const turns: ModelTurn[] = [];
  for (const turn of [...earlier, { role: 'user' as const, content: input.question }]) {
    const last = turns.at(-1);
    if (!last && turn.role === 'assistant') continue;
    if (last && last.role === turn.role) {
      // Two turns in a row from one side (an answer that failed, a dropped question): join them.
      turns[turns.length - 1] = { role: last.role, content: `${last.content}\n\n${turn.content}` };
    } else {
      turns.push({ role: turn.role, content: turn.content });
    }
  }
  return turns;
}
