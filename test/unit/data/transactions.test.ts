import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { transactWrite } from '../../../shared/data/transactions';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);

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
