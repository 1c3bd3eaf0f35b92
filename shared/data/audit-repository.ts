import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { AuditTrail } from '../domain/account/ports';
import { toEpochSeconds } from '../domain/clock';
import { type AuditEvent, auditEventSchema } from '../schemas/account';
import { keyPrefixes, keys } from './keys';

const DAY_MS = 86_400_000;

/**
 * The audit table (`USER#<sub>` / `EVENT#<at>#<event_id>`): append-only. Every put is
 * conditioned on the key being new, so even a function holding PutItem cannot overwrite an
 * event (and no function is granted UpdateItem or DeleteItem on this table). TTL removes
 * events `retentionDays` after they happened.
 */
export function auditItem(event: AuditEvent, retentionDays: number): Record<string, unknown> {
  return {
    ...keys.auditEvent(event.user_id, event.at, event.event_id),
    ...event,
    ttl: toEpochSeconds(new Date(Date.parse(event.at) + retentionDays * DAY_MS)),
  };
}

/** The Put of an event, for a TransactWriteItems call or on its own. */
export function auditPut(tableName: string, event: AuditEvent, retentionDays: number) {
  return {
    TableName: tableName,
    Item: auditItem(event, retentionDays),
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}

const storedEventSchema = auditEventSchema.extend({ sk: z.string() });

export function createAuditRepository(options: {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly retentionDays: number;
}): AuditTrail {
  const { client, tableName: TableName, retentionDays } = options;
  return {
    async record(event) {
      try {
        await client.send(new PutCommand(auditPut(TableName, event, retentionDays)));
      } catch (error) {
        // The same event twice (a retried put whose first attempt landed): it is there, done.
        if (error instanceof ConditionalCheckFailedException) return;
        throw error;
      }
    },
    async list(userId, page) {
      const partition = keys.auditEvent(userId, '', '').pk;
      const result = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': partition, ':prefix': keyPrefixes.auditEvent },
          ScanIndexForward: false,
          Limit: page.limit,
          ...(page.after ? { ExclusiveStartKey: { pk: partition, sk: page.after.sort_key } } : {}),
        }),
      );
      const items = (result.Items ?? []).map((item) => storedEventSchema.parse(item));
      const last = items.at(-1);
      return {
        events: items.map(({ sk: _sk, ...event }) => event),
        next: result.LastEvaluatedKey && last ? { sort_key: last.sk } : undefined,
      };
    },
  };
}
