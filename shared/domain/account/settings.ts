import type { Settings, UpdateSettingsBody } from '../../schemas/account';
import type { AccountDeps, RetentionPolicy, StoredSettings } from './ports';

/** The retention in force for a user: their own setting, else the operator default (null: none). */
export const effectiveRetentionDays = (
  stored: StoredSettings | undefined,
  policy: RetentionPolicy,
): number | null => (stored ? stored.retention_days : policy.defaultRetentionDays);

const view = (stored: StoredSettings | undefined, policy: RetentionPolicy): Settings => ({
  retention_days: effectiveRetentionDays(stored, policy),
  source: stored ? 'user' : 'default',
  default_retention_days: policy.defaultRetentionDays,
  updated_at: stored?.updated_at ?? null,
});

export async function getSettings(
  deps: Pick<AccountDeps, 'account' | 'retention'>,
  userId: string,
): Promise<Settings> {
  return view(await deps.account.settings(userId), deps.retention);
}

/**
 * Stores the user's retention, then has the retention job look at each of their live rooms at
 * its next run (at most the live-room limit of updates, in parallel): a shorter retention may
 * make some due now, and rooms taken out of review by `null` come back.
 */
export async function updateSettings(
  deps: Pick<AccountDeps, 'account' | 'retention' | 'clock'>,
  userId: string,
  body: UpdateSettingsBody,
): Promise<Settings> {
  const now = deps.clock.now();
  const stored: StoredSettings = { retention_days: body.retention_days, updated_at: now.toISOString() };
  await deps.account.saveSettings(userId, stored);
  await deps.account.reviewLiveRoomsAt(userId, now);
  return view(stored, deps.retention);
}
