import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { withPendingAudit } from './audit-context';
import { type RetryPolicy, retry } from './retry';

/** How a TransactWriteItems call ended: committed, or cancelled with one reason code per item. */
export type TransactionResult =
  | { readonly committed: true }
  | { readonly committed: false; readonly reasons: readonly string[] };

/** Conflicts between one user's transactions clear fast: short waits, 8 attempts, then 409. */
const conflictRetry: RetryPolicy = { maxAttempts: 8, baseDelayMs: 15, maxDelayMs: 400 };

/**
 * Runs a transaction, retrying (with full jitter) while it is cancelled only by conflicts with
 * concurrent transactions on the same items (`TransactionConflict`), which the SDK does not
 * retry by itself: 60 parallel creates by one user all touch the user's counter item. A
 * cancellation for a failed condition is returned to the caller with each item's reason.
 *
 * The request's pending audit event, if any, rides along as the last item
 * (shared/data/audit-context.ts): item indexes the caller checks are unchanged.
 */
export async function transactWrite(
  client: DynamoDBDocumentClient,
  input: TransactWriteCommandInput,
): Promise<TransactionResult> {
  const audited = withPendingAudit(input.TransactItems ?? []);
  const request = { ...input, TransactItems: [...audited.items] } as TransactWriteCommandInput;
  return retry(
    async (): Promise<TransactionResult> => {
      try {
        await client.send(new TransactWriteCommand(request));
        audited.commit();
        return { committed: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        return {
          committed: false,
          reasons: (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None'),
        };
      }
    },
    (result) =>
      !result.committed &&
      result.reasons.some((code) => code === 'TransactionConflict') &&
      !result.reasons.includes('ConditionalCheckFailed'),
    conflictRetry,
  );
}

/** True when the item at `index` of a cancelled transaction failed its condition. */
export const conditionFailed = (result: TransactionResult, index: number): boolean =>
  !result.committed && result.reasons[index] === 'ConditionalCheckFailed';
