import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { batchDelete } from '../../../shared/data/batch';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);

const keysFor = (count: number) => Array.from({ length: count }, (_, i) => ({ pk: 'P', sk: `MSG#${i}` }));

describe('batchDelete', () => {
  beforeEach(() => dynamo.reset());

  it('sends 25 deletes per BatchWriteItem', async () => {
    dynamo.on(BatchWriteCommand).resolves({});

    await batchDelete(documentClient, 'chat', keysFor(60));

    const sizes = dynamo
      .commandCalls(BatchWriteCommand)
      .map((call) => call.args[0].input.RequestItems?.chat?.length);
    expect(sizes).toEqual([25, 25, 10]);
  });

  it('resends the items DynamoDB left unprocessed until none are left', async () => {
    const keys = keysFor(3);
    dynamo
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { chat: [{ DeleteRequest: { Key: keys[2] } }] } })
      .resolvesOnce({});

    await batchDelete(documentClient, 'chat', keys);

    const calls = dynamo.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.RequestItems?.chat).toEqual([{ DeleteRequest: { Key: keys[2] } }]);
  });

  it('throws when items stay unprocessed, so the job is retried', async () => {
    const keys = keysFor(1);
    dynamo
      .on(BatchWriteCommand)
      .resolves({ UnprocessedItems: { chat: [{ DeleteRequest: { Key: keys[0] } }] } });

    // The retries back off with real timers; fake ones make the test independent of machine load.
    vi.useFakeTimers();
    try {
      const outcome = batchDelete(documentClient, 'chat', keys).then(
        () => 'resolved',
        (error: unknown) => error,
      );
      await vi.runAllTimersAsync();
      expect(await outcome).toMatchObject({ message: expect.stringMatching(/unprocessed/) });
    } finally {
      vi.useRealTimers();
    }
  });
});
