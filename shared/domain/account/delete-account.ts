import type { AccountDeps } from './ports';

/** The physical deletion is done by then: the job runs within seconds, retries, then dead-letters (alarmed). */
export const ACCOUNT_PURGE_WINDOW_MS = 24 * 3_600_000;

/**
 * Deletes the user's data (`DELETE /api/me`, confirmed): their live streams are told to stop
 * first, then one transaction moves the account's watermark — every read hides what was created
 * at or before it, at once, whatever the amount — resets the room counter and settings and
 * queues the background job that deletes it all physically
 * (shared/domain/account/delete-account-data.ts). O(1) requests; the audit trail stays; the
 * token stays valid and the user starts from nothing.
 */
export async function deleteAccount(
  deps: Pick<AccountDeps, 'account' | 'streams' | 'clock' | 'newId'>,
  userId: string,
): Promise<{ deleted: true; purge_completes_by: string }> {
  await deps.streams.cancelStreams(userId, { allOfUser: true });
  const at = deps.clock.now();
  await deps.account.requestDeletion(userId, at, deps.newId());
  return {
    deleted: true,
    purge_completes_by: new Date(at.getTime() + ACCOUNT_PURGE_WINDOW_MS).toISOString(),
  };
}
