import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { keyPrefixes, keys } from '../data/keys';
import { type Clock, toEpochSeconds } from '../domain/clock';
import type { ConnectionStore, OpenConnection } from './connections';

/**
 * The connections table (docs/architecture.md, "Connections table"). Items of one user
 * (`pk = USER#<sub>`):
 * - `CONNECTION#<connection_id>`: `endpoint`, `slot`, `connected_at`, `expires_at` (epoch ms);
 * - `CONNECTION_SLOT#<n>` (n < MAX_CONNECTIONS_PER_USER): `connection_id`, `expires_at`.
 *
 * At most N connections per user, atomically, with no counter that could drift: a connection
 * takes a slot in the same transaction that records it, on condition that the slot is free or
 * lapsed (`attribute_not_exists(pk) OR expires_at <= :now`). API Gateway calls $disconnect
 * best effort; when it does not, the slot frees itself when `expires_at` (connect + 2 h, the
 * connection's maximum life) passes. TTL (`ttl`, epoch seconds) is only the clean-up.
 *
 *   connect A: reads slots 0-19, 19 free → puts SLOT#7 (free ✓) + CONNECTION#A ─┐ same slot: one
 *   connect B: reads slots 0-19, 19 free → puts SLOT#7 (free ✓) + CONNECTION#B ─┘ transaction fails
 *              its condition; B reads again and takes another slot, or gets 'limit-reached'.
 */
const connectionItemSchema = z.object({
  sk: z.string(),
  connection_id: z.string(),
  endpoint: z.string(),
  slot: z.number().int().nonnegative(),
  connected_at: z.number(),
  expires_at: z.number(),
});
const slotItemSchema = z.object({ sk: z.string(), connection_id: z.string(), expires_at: z.number() });

export interface ConnectionRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
  /** MAX_CONNECTIONS_PER_USER: the number of slots. */
  readonly maxConnections: number;
  /** WEBSOCKET_CONNECTION_TTL_SECONDS: how long a connection holds its slot at most. */
  readonly connectionSeconds: number;
  /** Attempts when parallel connects race for slots. @default 8 */
  readonly maxAttempts?: number;
  /** For tests: the slot choice. @default Math.random */
  readonly random?: () => number;
}

export function createConnectionRepository(options: ConnectionRepositoryOptions): ConnectionStore {
  const { client, tableName: TableName, clock } = options;
  const maxAttempts = options.maxAttempts ?? 8;
  const random = options.random ?? Math.random;
  const lifeMs = options.connectionSeconds * 1000;

  async function userItems(userId: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.connection(userId, '').pk },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  const toConnection = (userId: string, item: z.output<typeof connectionItemSchema>): OpenConnection => ({
    userId,
    connectionId: item.connection_id,
    endpoint: item.endpoint,
    connectedAt: new Date(item.connected_at),
    expiresAt: new Date(item.expires_at),
  });

  return {
    async open({ userId, connectionId, endpoint }) {
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const at = clock.now().getTime();
        const held = new Set<number>();
        for (const item of await userItems(userId)) {
          const slot = slotItemSchema.safeParse(item);
          if (
            slot.success &&
            slot.data.sk.startsWith(keyPrefixes.connectionSlot) &&
            slot.data.expires_at > at
          )
            held.add(Number(slot.data.sk.slice(keyPrefixes.connectionSlot.length)));
        }
        const free = Array.from({ length: options.maxConnections }, (_, n) => n).filter((n) => !held.has(n));
        if (free.length === 0) return { kind: 'limit-reached' };
        // A random free slot: parallel connects of one user rarely pick the same one.
        const slot = free[Math.floor(random() * free.length)] ?? 0;
        const expiresAt = at + lifeMs;
        const ttl = toEpochSeconds(new Date(expiresAt)) + 3600;
        try {
          await client.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName,
                    Item: {
                      ...keys.connectionSlot(userId, slot),
                      connection_id: connectionId,
                      expires_at: expiresAt,
                      ttl,
                    },
                    ConditionExpression: 'attribute_not_exists(pk) OR expires_at <= :now',
                    ExpressionAttributeValues: { ':now': at },
                  },
                },
                {
                  Put: {
                    TableName,
                    Item: {
                      ...keys.connection(userId, connectionId),
                      connection_id: connectionId,
                      endpoint,
                      slot,
                      connected_at: at,
                      expires_at: expiresAt,
                      ttl,
                    },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
              ],
            }),
          );
          return {
            kind: 'opened',
            connection: {
              userId,
              connectionId,
              endpoint,
              connectedAt: new Date(at),
              expiresAt: new Date(expiresAt),
            },
          };
        } catch (error) {
          // Lost the slot to a parallel connect (or a transaction conflict): look again.
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
      return { kind: 'limit-reached' };
    },

    async close(userId, connectionId) {
      const { Attributes } = await client.send(
        new DeleteCommand({ TableName, Key: keys.connection(userId, connectionId), ReturnValues: 'ALL_OLD' }),
      );
      const removed = Attributes ? connectionItemSchema.safeParse(Attributes) : undefined;
      if (!removed?.success) return;
      await client
        .send(
          new DeleteCommand({
            TableName,
            Key: keys.connectionSlot(userId, removed.data.slot),
            ConditionExpression: 'connection_id = :id',
            ExpressionAttributeValues: { ':id': connectionId },
          }),
        )
        .catch((error: unknown) => {
          // The slot lapsed and another connection holds it now: not ours to free.
          if ((error as Error)?.name !== 'ConditionalCheckFailedException') throw error;
        });
    },

    async listOpen(userId) {
      const at = clock.now().getTime();
      const open: OpenConnection[] = [];
      for (const item of await userItems(userId)) {
        const connection = connectionItemSchema.safeParse(item);
        if (
          connection.success &&
          connection.data.sk.startsWith(keyPrefixes.connection) &&
          connection.data.expires_at > at
        )
          open.push(toConnection(userId, connection.data));
      }
      return open;
    },
  };
}
