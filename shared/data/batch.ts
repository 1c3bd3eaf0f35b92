import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchRetry, retry } from './retry';

/** BatchWriteItem's limit per request. */
const BATCH_SIZE = 25;

export type ItemKey = Record<string, string>;

/**
 * Deletes items by key, 25 per BatchWriteItem, resending what DynamoDB leaves unprocessed (it
 * does under throttling) with exponential backoff and full jitter, until all are gone or the
 * attempts run out (then it throws: the caller's job is retried, and deletes are idempotent).
 */
export async function batchDelete(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
): Promise<void> {
  for (let start = 0; start < keys.length; start += BATCH_SIZE) {
    let pending = keys.slice(start, start + BATCH_SIZE).map((key) => ({ DeleteRequest: { Key: key } }));
    const left = await retry(
      async () => {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (result.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
          request.DeleteRequest?.Key
            ? [{ DeleteRequest: { Key: request.DeleteRequest.Key as ItemKey } }]
            : [],
        );
        return pending.length;
      },
      (unprocessed) => unprocessed > 0,
      batchRetry,
    );
    if (left > 0) {
      throw new Error(
        `BatchWriteItem left ${left} deletes unprocessed after ${batchRetry.maxAttempts} attempts`,
      );
    }
  }
}

/**
 * Reads items by key in one strongly consistent BatchGetItem (at most 100 keys), resending what
 * DynamoDB leaves unprocessed, until all are read or the attempts run out (then it throws).
 */
export async function batchGetConsistent(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
  options: { readonly random?: () => number } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let pending: readonly ItemKey[] = keys;
  const left = await retry(
    async () => {
      const result = await client.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: [...pending], ConsistentRead: true } } }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as ItemKey[];
      return pending.length;
    },
    (unprocessed) => unprocessed > 0,
    { ...batchRetry, ...options },
  );
  if (left > 0)
    throw new Error(`BatchGetItem left ${left} keys unprocessed after ${batchRetry.maxAttempts} attempts`);
  return found;
}
