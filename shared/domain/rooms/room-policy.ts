import type { RoomRecord } from '../../schemas/rooms';

/** The room rules of DESIGN §4 and §6; limits that operators tune come from configuration. */
export interface RoomPolicy {
  /** Live rooms per user (409 ROOM_LIMIT_REACHED beyond). */
  readonly maxLiveRooms: number;
  /** Room creations per user per fixed one-hour window (429 RATE_LIMITED beyond). */
  readonly createsPerHour: number;
}

export const HOUR_MS = 3_600_000;
/** A soft-deleted room can be restored for this long, then it is purged (DESIGN §6). */
export const ROOM_RETENTION_MS = 30 * 24 * HOUR_MS;
/** How long an `Idempotency-Key` is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * HOUR_MS;

/**
 * The fixed one-hour window `now` falls in. Fixed windows are one counter item per user and
 * hour (a sliding window would need an item per creation); the cost is that up to twice the
 * limit can pass around a window boundary, which this limit tolerates.
 */
export function creationWindow(now: Date): { start: string; endsAt: Date } {
  const start = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { start: new Date(start).toISOString(), endsAt: new Date(start + HOUR_MS) };
}

/** Whole seconds until `until` (at least 1): the value of `Retry-After`. */
export const secondsUntil = (now: Date, until: Date): number =>
  Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));

/**
 * A room is live when it exists and is not soft-deleted. The stores check the same in their
 * writes (`liveRoomCondition`, shared/data/keys.ts).
 */
export const isLiveRoom = (room: RoomRecord | undefined): room is RoomRecord =>
  room !== undefined && !room.is_deleted;

/**
 * A live room's retention is first reviewed this long after its last activity: the shortest
 * retention a user can choose (1 day). The review then moves it to the time its owner's
 * retention actually ends (shared/domain/account/apply-retention.ts).
 */
export const FIRST_RETENTION_REVIEW_MS = 24 * HOUR_MS;

/** When a room active at `lastActivity` is first reviewed for retention. */
export const firstReviewAt = (lastActivity: string): string =>
  new Date(Date.parse(lastActivity) + FIRST_RETENTION_REVIEW_MS).toISOString();
