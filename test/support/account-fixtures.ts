import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createAccountDataReader, createAccountRepository } from '../../shared/data/account-repository';
import { createAuditRepository } from '../../shared/data/audit-repository';
import { createMessageRepository } from '../../shared/data/message-repository';
import { createRoomRepository } from '../../shared/data/room-repository';
import type { AccountDeps } from '../../shared/domain/account/ports';
import type { Clock } from '../../shared/domain/clock';
import type { AuditEvent } from '../../shared/schemas/account';
import { chatTableName, recordingCanceller, testDocumentClient } from './rooms-fixtures';

export const auditTableName = (): string => {
  const name = process.env.AUDIT_TABLE_NAME;
  if (!name) throw new Error('AUDIT_TABLE_NAME is not set: run this test in the integration or e2e project');
  return name;
};

let ids = 0;
export const testEventId = () => `evt${Date.now().toString(36)}${(ids++).toString(36)}`;

/** The account use cases' dependencies on the real DynamoDB adapters, with an injected clock. */
export function accountDeps(
  clock: Clock,
  overrides: Partial<AccountDeps> = {},
  table = chatTableName(),
): AccountDeps {
  const client = testDocumentClient();
  return {
    account: createAccountRepository(client, table),
    audit: createAuditRepository({ client, tableName: auditTableName(), retentionDays: 2190 }),
    rooms: createRoomRepository(client, table),
    messages: createMessageRepository(client, table),
    data: createAccountDataReader(client, table),
    streams: recordingCanceller(),
    clock,
    retention: { defaultRetentionDays: 30 },
    newId: testEventId,
    ...overrides,
  };
}

/** Every stored audit event of a user, newest first, as the table holds them (TTL included). */
export async function storedAuditItems(userId: string): Promise<Record<string, unknown>[]> {
  const result = await testDocumentClient().send(
    new QueryCommand({
      TableName: auditTableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `USER#${userId}` },
      ScanIndexForward: false,
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

export const storedAuditEvents = async (userId: string): Promise<AuditEvent[]> =>
  (await storedAuditItems(userId)) as unknown as AuditEvent[];
