import { isDomainError } from '../errors';
import { deleteRoom } from '../rooms/delete-room';
import type { AccountMaintenanceDeps, ReviewCandidate } from './ports';
import { effectiveRetentionDays } from './settings';

const DAY_MS = 86_400_000;

export interface RetentionSummary {
  readonly reviewed: number;
  readonly rooms_deleted: number;
  readonly rescheduled: number;
  /** False when the run stopped early (time budget): the next run continues. */
  readonly complete: boolean;
}

/**
 * Deletes live rooms inactive for longer than their owner's retention (their setting, else the
 * operator default); they are then purged as any deleted room. No Scan: live rooms sit in the
 * sparse, sharded review index (gsi4 `REVIEW#<n>`) by the time they are next due for a look —
 * a day after their last activity at first (the shortest retention). A room whose retention
 * has not run out yet moves to the time it will; one whose owner keeps rooms forever leaves the
 * index until its next activity or a settings change. Activity since the look wins: the delete
 * and the move are both conditioned on last_activity being what was read.
 */
export async function applyRetention(
  deps: Pick<
    AccountMaintenanceDeps,
    'account' | 'rooms' | 'streams' | 'audit' | 'clock' | 'retention' | 'newId'
  >,
  options: { readonly pageSize?: number; readonly shouldContinue?: () => boolean } = {},
): Promise<RetentionSummary> {
  const now = deps.clock.now();
  const shouldContinue = options.shouldContinue ?? (() => true);
  const retentionOf = new Map<string, Promise<number | null>>();
  const ownerRetention = (userId: string) => {
    let days = retentionOf.get(userId);
    if (!days) {
      days = deps.account.settings(userId).then((stored) => effectiveRetentionDays(stored, deps.retention));
      retentionOf.set(userId, days);
    }
    return days;
  };
  let reviewed = 0;
  let roomsDeleted = 0;
  let rescheduled = 0;
  let after: string | undefined;
  do {
    const page = await deps.account.findDueForReview(now, { limit: options.pageSize ?? 50, after });
    for (const candidate of page.rooms) {
      if (!shouldContinue()) return { reviewed, rooms_deleted: roomsDeleted, rescheduled, complete: false };
      reviewed += 1;
      const days = await ownerRetention(candidate.user_id);
      const outcome = await review(deps, candidate, days, now);
      if (outcome === 'deleted') roomsDeleted += 1;
      if (outcome === 'rescheduled') rescheduled += 1;
    }
    after = page.next;
  } while (after !== undefined && shouldContinue());
  return { reviewed, rooms_deleted: roomsDeleted, rescheduled, complete: after === undefined };
}

async function review(
  deps: Pick<AccountMaintenanceDeps, 'account' | 'rooms' | 'streams' | 'audit' | 'clock' | 'newId'>,
  candidate: ReviewCandidate,
  days: number | null,
  now: Date,
): Promise<'deleted' | 'rescheduled' | 'skipped'> {
  if (days === null) {
    await deps.account.rescheduleReview(candidate, undefined);
    return 'rescheduled';
  }
  const due = new Date(Date.parse(candidate.last_activity) + days * DAY_MS);
  if (due > now) {
    return (await deps.account.rescheduleReview(candidate, due)) ? 'rescheduled' : 'skipped';
  }
  // A room an account deletion hid is the deletion job's, not ours (its counter is already reset).
  if (!(await deps.rooms.find(candidate.user_id, candidate.room_id))) return 'skipped';
  try {
    await deleteRoom(
      {
        rooms: {
          ...deps.rooms,
          softDelete: (userId, roomId, at) =>
            deps.rooms.softDelete(userId, roomId, { ...at, ifLastActivity: candidate.last_activity }),
        },
        streams: deps.streams,
        clock: deps.clock,
      },
      candidate.user_id,
      candidate.room_id,
    );
  } catch (error) {
    // Active again, deleted by its owner, or contended: its next review decides.
    if (isDomainError(error)) return 'skipped';
    throw error;
  }
  await deps.audit.record({
    event_id: deps.newId(),
    at: now.toISOString(),
    user_id: candidate.user_id,
    actor: 'system',
    action: 'room.delete.retention',
    resources: { room_id: candidate.room_id },
    request_id: null,
    source_ip: null,
    user_agent: null,
    outcome: 'success',
  });
  return 'deleted';
}
