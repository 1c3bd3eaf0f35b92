import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/domain/clock';
import type { RoomRepository } from '../../../shared/domain/rooms/ports';
import { clearSessionHistory } from '../../../shared/domain/sessions/clear-history';
import { deleteSession } from '../../../shared/domain/sessions/delete-session';
import type { SessionDeps, SessionRepository } from '../../../shared/domain/sessions/ports';
import { resetSession } from '../../../shared/domain/sessions/reset-session';
import { sessionPolicy } from '../../../shared/domain/sessions/session-policy';
import type { RoomRecord } from '../../../shared/schemas/rooms';
import type { SessionRecord } from '../../../shared/schemas/sessions';

const now = '2026-01-01T10:05:00.000Z';
const session: SessionRecord = {
  session_id: 'sess_1',
  user_id: 'alice',
  room_id: 'room_1',
  agent_type: 'general',
  created_at: '2026-01-01T10:00:00.000Z',
  last_activity: '2026-01-01T10:00:00.000Z',
  expires_at: '2026-01-01T10:30:00.000Z',
  agents: {},
};
const liveRoom = {
  room_id: 'room_1',
  is_deleted: false,
  purge_after: null,
  agent_history_cleared_at: {},
} as Partial<RoomRecord> as RoomRecord;

/** A session store whose writes lose a race: the item changed between the read and the write. */
function deps(
  overrides: { sessions?: Partial<SessionRepository>; rooms?: Partial<RoomRepository> } = {},
): SessionDeps {
  return {
    sessions: { find: async () => session, ...overrides.sessions } as SessionRepository,
    rooms: { find: async () => liveRoom, ...overrides.rooms } as RoomRepository,
    streams: { cancelStreams: async () => [] },
    clock: new ManualClock(now),
    policy: sessionPolicy,
    newId: () => 'id',
  };
}

describe('use cases that lose a race with a concurrent change', () => {
  it('reset: 409 CONFLICT when the session is still active after its write failed', async () => {
    await expect(
      resetSession(deps({ sessions: { resetMemory: async () => false } }), 'alice', 'sess_1', undefined),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('reset: what the session has become (here 404) when it went away meanwhile', async () => {
    let reads = 0;
    const vanishing = {
      find: async () => (reads++ === 0 ? session : undefined),
      resetMemory: async () => false,
    };

    await expect(
      resetSession(deps({ sessions: vanishing }), 'alice', 'sess_1', 'general'),
    ).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
  });

  it('clear history: 404 when the room went away, 409 under contention', async () => {
    const roomGone = deps({ sessions: { clearHistory: async () => 'room-gone' } });
    const contended = deps({ sessions: { clearHistory: async () => 'contention' } });

    await expect(clearSessionHistory(roomGone, 'alice', 'sess_1', undefined)).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
    await expect(clearSessionHistory(contended, 'alice', 'sess_1', undefined)).rejects.toMatchObject({
      code: 'CONFLICT',
      retryAfterSeconds: 1,
    });
  });

  it('delete session: 404 when another delete won', async () => {
    await expect(
      deleteSession(deps({ sessions: { delete: async () => false } }), 'alice', 'sess_1'),
    ).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });
});
