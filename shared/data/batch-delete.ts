import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem's limit per request. */
const BATCH_SIZE = 25;
const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 25;
const MAX_DELAY_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) {
        throw new Error(
          `BatchWriteItem left ${pending.length} deletes unprocessed after ${MAX_ATTEMPTS} attempts`,
        );
      }
      if (attempt > 1) await sleep(Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt));
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
        request.DeleteRequest?.Key ? [{ DeleteRequest: { Key: request.DeleteRequest.Key as ItemKey } }] : [],
      );
    }
  }
}
