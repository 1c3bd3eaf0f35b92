import * as z from 'zod';

/**
 * The account-deletion watermark (chat table, `USER#<sub>` / `ACCOUNT`): `DELETE /api/me` moves
 * it to the time of the deletion, and every read hides what was created at or before it — the
 * way a clear-history watermark hides messages — until the background job has deleted it all.
 */
export const accountItemSchema = z.object({ data_deleted_at: z.iso.datetime() });

export const hiddenByAccountDeletion = (createdAt: string, watermark: string | undefined): boolean =>
  watermark !== undefined && createdAt <= watermark;
