import type { RoomRecord } from '../../schemas/rooms';
import type { SessionRecord } from '../../schemas/sessions';
import { isLiveRoom } from '../rooms/room-policy';

/** The condition a write to a session checks: it still exists and has not expired at `now`. */
export interface ActiveAt {
  readonly now: string;
  /** Sessions with last_activity at or before this are idle-expired. */
  readonly idleCutoff: string;
}

/** DESIGN §4: a session lasts 30 minutes at most, and ends after 10 minutes without activity. */
export interface SessionPolicy {
  readonly lifetimeMs: number;
  readonly idleMs: number;
}

export const sessionPolicy: SessionPolicy = { lifetimeMs: 30 * 60_000, idleMs: 10 * 60_000 };

/** When the session expires if nothing happens: the earlier of its absolute and its idle expiry. */
export function effectiveExpiry(session: SessionRecord, policy: SessionPolicy): Date {
  const absolute = Date.parse(session.expires_at);
  const idle = Date.parse(session.last_activity) + policy.idleMs;
  return new Date(Math.min(absolute, idle));
}

export const isExpired = (session: SessionRecord, now: Date, policy: SessionPolicy): boolean =>
  now.getTime() >= effectiveExpiry(session, policy).getTime();

/** The condition values a write uses to check, atomically, that the session is still active at `now`. */
export const activeAt = (now: Date, policy: SessionPolicy): ActiveAt => ({
  now: now.toISOString(),
  idleCutoff: new Date(now.getTime() - policy.idleMs).toISOString(),
});

/**
 * A session is over for good when its room is gone or soft-deleted, or was deleted after the
 * session began (a restore brings the room back, not the sessions the delete ended).
 */
export const isEndedByRoom = (session: SessionRecord, room: RoomRecord | undefined): boolean =>
  !isLiveRoom(room) || (room.sessions_ended_at != null && session.created_at <= room.sessions_ended_at);
