import { describe, expect, it } from 'vitest';
import { buildModelTurns, memoryCutoff } from '../../../shared/domain/chat/conversation-context';
import type { Message } from '../../../shared/schemas/messages';
import { roomRecord, sessionRecord } from '../../support/chat-fakes';

const message = (role: Message['role'], second: number, content: string, agent = 'general'): Message => ({
  message_id: `m${second}`,
  room_id: 'room_1',
  session_id: 'sess_1',
  role,
  agent_type: agent,
  content,
  status: 'complete',
  created_at: `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`,
});

describe("the model's view of the conversation", () => {
  it('takes the latest of the memory reset and the history watermarks as the cutoff', () => {
    const session = sessionRecord({ agents: { general: { memory_reset_at: '2026-01-01T00:00:10.000Z' } } });
    const room = roomRecord({
      history_cleared_at: '2026-01-01T00:00:05.000Z',
      agent_history_cleared_at: { general: '2026-01-01T00:00:20.000Z' },
    });

    expect(memoryCutoff(session, room, 'general')).toBe('2026-01-01T00:00:20.000Z');
    expect(memoryCutoff(session, room, 'nutrition')).toBe('2026-01-01T00:00:05.000Z');
    expect(memoryCutoff(sessionRecord(), roomRecord(), 'general')).toBeUndefined();
  });

  it('hides turns at or before the cutoff, and other agents', () => {
    const turns = buildModelTurns({
      history: [
        message('user', 10, 'at cutoff'),
        message('user', 11, 'q'),
        message('assistant', 12, 'a'),
        message('user', 13, 'x', 'nutrition'),
      ],
      agentType: 'general',
      cutoff: '2026-01-01T00:00:10.000Z',
      question: 'now',
      maxTurns: 20,
    });

    expect(turns).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
      { role: 'user', content: 'now' },
    ]);
  });

  it('makes alternating turns that start with the user: drops a leading answer, joins repeats and skips empty answers', () => {
    const turns = buildModelTurns({
      history: [
        message('assistant', 1, 'orphan answer'),
        message('user', 2, 'q1'),
        message('assistant', 3, ''),
        message('user', 4, 'q2'),
        message('assistant', 5, 'a2'),
      ],
      agentType: 'general',
      cutoff: undefined,
      question: 'q3',
      maxTurns: 20,
    });

    expect(turns).toEqual([
      { role: 'user', content: 'q1\n\nq2' },
      { role: 'assistant', content: 'a2' },
      { role: 'user', content: 'q3' },
    ]);
  });

  it('keeps only the last maxTurns earlier turns', () => {
    const history = Array.from({ length: 10 }, (_, index) =>
      message(index % 2 === 0 ? 'user' : 'assistant', index, `t${index}`),
    );

    const turns = buildModelTurns({
      history,
      agentType: 'general',
      cutoff: undefined,
      question: 'q',
      maxTurns: 4,
    });

    expect(turns.map((turn) => turn.content)).toEqual(['t6', 't7', 't8', 't9', 'q']);
  });
});
