import type { HistoryClearJobRef, MaintenanceDeps } from './ports';

/**
 * The background half of "clear history": physically deletes the messages a clear hid (at or
 * before its watermark, of one agent or all), then marks the job done. Idempotent: a job seen
 * twice (change streams deliver at least once) finds it done, or finds nothing left to delete.
 *
 * message_count: a clear of every agent set it to 0 in the request. A per-agent clear cannot
 * know in O(1) how many messages it hid, so this job takes off the messages it deleted that
 * were still counted: those newer than the room's all-agents watermark as it is now (older
 * ones were already uncounted by that clear). Best effort under retries of a half-done job.
 */
export async function deleteClearedHistory(
  deps: Pick<MaintenanceDeps, 'jobs' | 'messages' | 'rooms'>,
  ref: HistoryClearJobRef,
): Promise<{ readonly messages_deleted: number; readonly job_found: boolean }> {
  const job = await deps.jobs.find(ref);
  if (!job) return { messages_deleted: 0, job_found: false };
  const deleted = await deps.messages.deleteUpTo(job.user_id, job.room_id, {
    upTo: job.cleared_up_to,
    agentType: job.agent_type,
  });
  if (job.agent_type !== undefined && deleted.length > 0) {
    const room = await deps.rooms.find(job.user_id, job.room_id);
    const uncountedUpTo = room?.history_cleared_at ?? undefined;
    const stillCounted = deleted.filter(
      (createdAt) => uncountedUpTo === undefined || createdAt > uncountedUpTo,
    );
    if (room && stillCounted.length > 0) {
      await deps.rooms.subtractMessages(job.user_id, job.room_id, stillCounted.length);
    }
  }
  await deps.jobs.complete(ref);
  return { messages_deleted: deleted.length, job_found: true };
}
