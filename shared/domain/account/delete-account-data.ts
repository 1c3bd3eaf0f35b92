import type { AccountDeletionJobRef, AccountMaintenanceDeps } from './ports';

export interface AccountDeletionSummary {
  readonly done: boolean;
  readonly items_deleted: Readonly<Record<string, number>>;
}

/**
 * The background half of an account deletion, run once per queued job (at least once: it is
 * idempotent). Each per-user item family deletes what was created at or before the watermark —
 * rooms with their messages, sessions, idempotency records, counters' windows, settings, stream
 * records and logs, connections — then the job item goes, and the completion joins the audit
 * trail (actor `system`). A job that is already gone (a replayed stream record) does nothing.
 */
export async function deleteAccountData(
  deps: Pick<AccountMaintenanceDeps, 'jobs' | 'families' | 'audit' | 'clock' | 'newId'>,
  ref: AccountDeletionJobRef,
): Promise<AccountDeletionSummary> {
  const job = await deps.jobs.find(ref);
  if (!job) return { done: false, items_deleted: {} };
  const itemsDeleted: Record<string, number> = {};
  for (const family of deps.families) {
    itemsDeleted[family.name] = await family.deleteUpTo(job.user_id, job.deleted_up_to);
  }
  await deps.audit.record({
    event_id: deps.newId(),
    at: deps.clock.now().toISOString(),
    user_id: job.user_id,
    actor: 'system',
    action: 'account.delete.completed',
    resources: {},
    request_id: null,
    source_ip: null,
    user_agent: null,
    outcome: 'success',
  });
  await deps.jobs.complete(ref);
  return { done: true, items_deleted: itemsDeleted };
}
