import { describe, expect, it } from 'vitest';
import {
  activeAt,
  effectiveExpiry,
  isEndedByRoom,
  isExpired,
  sessionPolicy,
} from '../../../shared/domain/sessions/session-policy';
import type { RoomRecord } from '../../../shared/schemas/rooms';
import type { SessionRecord } from '../../../shared/schemas/sessions';

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

const room = {
  room_id: 'room_1',
  is_deleted: false,
  sessions_ended_at: null,
} as Partial<RoomRecord> as RoomRecord;

describe('session expiry', () => {
  it('is 10 minutes after the last activity while that comes first', () => {
    expect(effectiveExpiry(session, sessionPolicy).toISOString()).toBe('2026-01-01T10:10:00.000Z');
    expect(isExpired(session, new Date('2026-01-01T10:09:59.999Z'), sessionPolicy)).toBe(false);
    expect(isExpired(session, new Date('2026-01-01T10:10:00.000Z'), sessionPolicy)).toBe(true);
  });

  it('is 30 minutes after creation at the latest', () => {
    const busy = { ...session, last_activity: '2026-01-01T10:28:00.000Z' };

    expect(effectiveExpiry(busy, sessionPolicy).toISOString()).toBe('2026-01-01T10:30:00.000Z');
    expect(isExpired(busy, new Date('2026-01-01T10:30:00.000Z'), sessionPolicy)).toBe(true);
  });

  it('gives writes the condition values that match isExpired', () => {
    expect(activeAt(new Date('2026-01-01T10:15:00.000Z'), sessionPolicy)).toEqual({
      now: '2026-01-01T10:15:00.000Z',
      idleCutoff: '2026-01-01T10:05:00.000Z',
    });
  });
});

describe('sessions ended by their room', () => {
  it('ends with a missing or deleted room, and with a delete after the session began, even once restored', () => {
    expect(isEndedByRoom(session, undefined)).toBe(true);
    expect(isEndedByRoom(session, { ...room, is_deleted: true })).toBe(true);
    expect(isEndedByRoom(session, { ...room, sessions_ended_at: '2026-01-01T10:00:00.000Z' })).toBe(true);
    expect(isEndedByRoom(session, { ...room, sessions_ended_at: '2026-01-01T09:59:59.999Z' })).toBe(false);
    expect(isEndedByRoom(session, room)).toBe(false);
  });
});
