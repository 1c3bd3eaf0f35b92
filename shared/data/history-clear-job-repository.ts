import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { HistoryClearJobRepository } from '../domain/rooms/ports';
import { keyPrefixes } from './keys';

const jobItemSchema = z.object({
  user_id: z.string().min(1),
  room_id: z.string().min(1),
  cleared_up_to: z.iso.datetime(),
  agent_type: z.string().optional(),
});

/** History-deletion jobs (`USER#<sub>` / `HISTORY_CLEAR#<room_id>#<job_id>`), read back by their key. */
export function createHistoryClearJobRepository(
  client: DynamoDBDocumentClient,
  tableName: string,
): HistoryClearJobRepository {
  const TableName = tableName;
  return {
    async find(ref) {
      if (!ref.pk.startsWith('USER#') || !ref.sk.startsWith(keyPrefixes.historyClearJob)) return undefined;
      const { Item } = await client.send(
        new GetCommand({ TableName, Key: { pk: ref.pk, sk: ref.sk }, ConsistentRead: true }),
      );
      if (!Item) return undefined;
      return jobItemSchema.parse(Item);
    },
    async complete(ref) {
      await client.send(new DeleteCommand({ TableName, Key: { pk: ref.pk, sk: ref.sk } }));
    },
  };
}
