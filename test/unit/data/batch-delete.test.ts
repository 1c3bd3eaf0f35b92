import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { batchDelete } from '../../../shared/data/batch-delete';
import { transactWrite } from '../../../shared/data/transactions';

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

describe('transactWrite', () => {
  beforeEach(() => dynamo.reset());

  const cancelled = (...codes: string[]) =>
    new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: codes.map((Code) => ({ Code })),
    });

  it('retries a transaction cancelled only by a conflict with another one', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('TransactionConflict', 'None')).resolvesOnce({});

    const result = await transactWrite(documentClient, { TransactItems: [] });

    expect(result).toEqual({ committed: true });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('returns a failed condition at once, with the reason of each item', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'TransactionConflict'));

    const result = await transactWrite(documentClient, { TransactItems: [] });

    expect(result).toEqual({ committed: false, reasons: ['ConditionalCheckFailed', 'TransactionConflict'] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});
