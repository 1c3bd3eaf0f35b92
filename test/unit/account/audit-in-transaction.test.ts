import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type PendingAudit, runWithPendingAudit } from '../../../shared/data/audit-context';
import { transactWrite } from '../../../shared/data/transactions';
import type { AuditEvent } from '../../../shared/schemas/account';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);

const event: AuditEvent = {
  event_id: 'e1',
  at: '2026-01-01T00:00:00.000Z',
  user_id: 'alice',
  actor: 'user',
  action: 'room.create',
  resources: {},
  request_id: 'r1',
  source_ip: '203.0.113.9',
  user_agent: 'test',
  outcome: 'success',
};

const pending = (recorded: AuditEvent[] = []): PendingAudit => ({
  event,
  tableName: 'audit',
  retentionDays: 10,
  state: 'pending',
  onRecorded: (done) => recorded.push(done),
});

const roomPut = {
  Put: {
    TableName: 'chat',
    Item: { pk: 'USER#alice', sk: 'ROOM#r9', room_id: 'r9', room_name: 'private name' },
  },
};

describe("a request's audit event in its write transaction", () => {
  beforeEach(() => dynamo.reset());

  it('rides along as the last item, with the ids the transaction puts, and is recorded when it commits', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const recorded: AuditEvent[] = [];
    const audit = pending(recorded);

    await runWithPendingAudit(audit, () => transactWrite(documentClient, { TransactItems: [roomPut] }));

    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    expect(items[1]?.Put).toMatchObject({
      TableName: 'audit',
      Item: { pk: 'USER#alice', sk: 'EVENT#2026-01-01T00:00:00.000Z#e1', resources: { room_id: 'r9' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(JSON.stringify(items[1])).not.toContain('private name');
    expect(audit.state).toBe('recorded');
    expect(recorded).toHaveLength(1);
  });

  it('joins only the first transaction of the request', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const audit = pending();

    await runWithPendingAudit(audit, async () => {
      await transactWrite(documentClient, { TransactItems: [roomPut] });
      await transactWrite(documentClient, { TransactItems: [roomPut] });
    });

    const sizes = dynamo
      .commandCalls(TransactWriteCommand)
      .map((call) => call.args[0].input.TransactItems?.length);
    expect(sizes).toEqual([2, 1]);
  });

  it('stays pending when the transaction is cancelled, so the failure is recorded instead', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );
    const audit = pending();

    const result = await runWithPendingAudit(audit, () =>
      transactWrite(documentClient, { TransactItems: [roomPut] }),
    );

    expect(result).toEqual({ committed: false, reasons: ['ConditionalCheckFailed', 'None'] });
    expect(audit.state).toBe('pending');
  });

  it('adds nothing outside an audited request', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    await transactWrite(documentClient, { TransactItems: [roomPut] });

    expect(dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems).toHaveLength(1);
  });
});
