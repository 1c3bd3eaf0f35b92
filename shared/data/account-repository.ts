import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type {
  AccountDataReader,
  AccountDeletionJobs,
  AccountStore,
  PerUserItemFamily,
  ReviewCandidate,
} from '../domain/account/ports';
import type { MessageRepository } from '../domain/rooms/ports';
import { settingsItemSchema } from '../schemas/account';
import { type RoomRecord, roomItemSchema } from '../schemas/rooms';
import { type SessionRecord, sessionItemSchema } from '../schemas/sessions';
import { accountItemSchema, hiddenByAccountDeletion } from './account-watermark';
import { batchDelete } from './batch';
import { keyPrefixes, keys, purgeShards } from './keys';
import { reviewKeys } from './room-repository';
import { transactWrite } from './transactions';

/**
 * The account area's items in the chat table (layout: docs/architecture.md): settings
 * (`SETTINGS`), the deletion watermark (`ACCOUNT`), deletion jobs (`ACCOUNT_DELETION#<id>`),
 * and the retention review of live rooms (gsi4 `REVIEW#<shard>`, sharded like the purge).
 */
const reviewCandidateSchema = z.object({
  user_id: z.string(),
  room_id: z.string(),
  last_activity: z.iso.datetime(),
});
const cursorSchema = z.object({
  shard: z.number().int().min(0),
  key: z.record(z.string(), z.string()).optional(),
});
const jobItemSchema = z.object({ user_id: z.string(), deleted_up_to: z.iso.datetime() });
/** A deletion job left undone for good (its stream handler failing) is dropped after this; the DLQ alarm has fired. */
const DELETION_JOB_TTL_SECONDS = 14 * 24 * 3600;
const PAGE_SIZE = 100;

export function createAccountRepository(client: DynamoDBDocumentClient, tableName: string): AccountStore {
  const TableName = tableName;

  async function deletionWatermark(userId: string): Promise<string | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName, Key: keys.account(userId), ConsistentRead: true }),
    );
    return Item ? accountItemSchema.parse(Item).data_deleted_at : undefined;
  }

  return {
    async settings(userId) {
      const { Item } = await client.send(
        new GetCommand({ TableName, Key: keys.settings(userId), ConsistentRead: true }),
      );
      return Item ? settingsItemSchema.parse(Item) : undefined;
    },

    async saveSettings(userId, settings) {
      // A transaction of one item: the request's audit event joins it (shared/data/audit-context.ts).
      const result = await transactWrite(client, {
        TransactItems: [
          { Put: { TableName, Item: { ...keys.settings(userId), entity: 'SETTINGS', ...settings } } },
        ],
      });
      if (!result.committed) throw new Error(`settings not saved: ${result.reasons.join(',')}`);
    },

    async reviewLiveRoomsAt(userId, at) {
      const partition = keys.roomListPartition(userId);
      const roomIds: string[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :partition',
            ExpressionAttributeValues: { ':partition': partition },
            ProjectionExpression: 'room_id',
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        roomIds.push(...(page.Items ?? []).map((item) => z.string().parse(item.room_id)));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      const reviewAt = at.toISOString();
      const moved = await Promise.all(
        roomIds.map((roomId) => {
          const review = reviewKeys(userId, roomId, reviewAt);
          return client
            .send(
              new UpdateCommand({
                TableName,
                Key: keys.room(userId, roomId),
                UpdateExpression: 'SET gsi4pk = :partition, gsi4sk = :key',
                ConditionExpression: 'attribute_exists(pk) AND is_deleted = :false',
                ExpressionAttributeValues: {
                  ':partition': review.gsi4pk,
                  ':key': review.gsi4sk,
                  ':false': false,
                },
              }),
            )
            .then(
              () => 1,
              (error: unknown) => {
                // Deleted meanwhile: it is in the purge family now, nothing to review.
                if (error instanceof ConditionalCheckFailedException) return 0;
                throw error;
              },
            );
        }),
      );
      return moved.reduce<number>((sum, one) => sum + one, 0);
    },

    async findDueForReview(now, page) {
      const from = page.after === undefined ? { shard: 0 } : cursorSchema.parse(JSON.parse(page.after));
      const bound = new Date(now.getTime() + 1).toISOString();
      const result = await client.send(
        new QueryCommand({
          TableName,
          IndexName: 'gsi4',
          KeyConditionExpression: 'gsi4pk = :partition AND gsi4sk < :bound',
          ExpressionAttributeValues: { ':partition': keys.reviewPartition(from.shard), ':bound': bound },
          Limit: page.limit,
          ...(from.key ? { ExclusiveStartKey: from.key } : {}),
        }),
      );
      const rooms: ReviewCandidate[] = (result.Items ?? []).map((item) => reviewCandidateSchema.parse(item));
      const lastKey = result.LastEvaluatedKey
        ? z.record(z.string(), z.string()).parse(result.LastEvaluatedKey)
        : undefined;
      const next = lastKey
        ? { shard: from.shard, key: lastKey }
        : from.shard + 1 < purgeShards
          ? { shard: from.shard + 1 }
          : undefined;
      return { rooms, next: next ? JSON.stringify(next) : undefined };
    },

    async rescheduleReview(candidate, reviewAt) {
      const review =
        reviewAt === undefined
          ? undefined
          : reviewKeys(candidate.user_id, candidate.room_id, reviewAt.toISOString());
      try {
        await client.send(
          new UpdateCommand({
            TableName,
            Key: keys.room(candidate.user_id, candidate.room_id),
            UpdateExpression: review ? 'SET gsi4pk = :partition, gsi4sk = :key' : 'REMOVE gsi4pk, gsi4sk',
            ConditionExpression: 'attribute_exists(pk) AND is_deleted = :false AND last_activity = :seen',
            ExpressionAttributeValues: {
              ':false': false,
              ':seen': candidate.last_activity,
              ...(review ? { ':partition': review.gsi4pk, ':key': review.gsi4sk } : {}),
            },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    deletionWatermark,

    async requestDeletion(userId, at, jobId) {
      const time = at.toISOString();
      const result = await transactWrite(client, {
        TransactItems: [
          {
            Put: {
              TableName,
              Item: { ...keys.account(userId), entity: 'ACCOUNT', data_deleted_at: time },
            },
          },
          {
            Put: {
              TableName,
              Item: {
                ...keys.accountDeletionJob(userId, jobId),
                entity: 'ACCOUNT_DELETION',
                user_id: userId,
                deleted_up_to: time,
                ttl: Math.floor(at.getTime() / 1000) + DELETION_JOB_TTL_SECONDS,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Delete: { TableName, Key: keys.settings(userId) } },
          {
            // The user starts from nothing: no live rooms count against the limit.
            Update: {
              TableName,
              Key: keys.counters(userId),
              UpdateExpression: 'SET live_rooms = :zero',
              ExpressionAttributeValues: { ':zero': 0 },
            },
          },
        ],
      });
      if (!result.committed) throw new Error(`account deletion not recorded: ${result.reasons.join(',')}`);
    },
  };
}

/** Queries every page of a key condition, `PAGE_SIZE` items at a time. */
async function* pages(
  client: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof QueryCommand>[0],
): AsyncGenerator<Record<string, unknown>[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({ ...input, Limit: PAGE_SIZE, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** Rooms (live and soft-deleted) and sessions of a user, page by page, without what an account deletion hid. */
export function createAccountDataReader(
  client: DynamoDBDocumentClient,
  tableName: string,
): AccountDataReader {
  async function* itemsOf<T extends { created_at: string }>(
    userId: string,
    prefix: string,
    parse: (item: unknown) => T,
  ): AsyncGenerator<readonly T[]> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: keys.account(userId), ConsistentRead: true }),
    );
    const watermark = Item ? accountItemSchema.parse(Item).data_deleted_at : undefined;
    for await (const items of pages(client, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.userPartition(userId), ':prefix': prefix },
    })) {
      const visible = items.map(parse).filter((item) => !hiddenByAccountDeletion(item.created_at, watermark));
      if (visible.length > 0) yield visible;
    }
  }
  return {
    rooms: (userId) => itemsOf<RoomRecord>(userId, keyPrefixes.room, (item) => roomItemSchema.parse(item)),
    sessions: (userId) =>
      itemsOf<SessionRecord>(userId, keyPrefixes.session, (item) => sessionItemSchema.parse(item)),
  };
}

export function createAccountDeletionJobs(
  client: DynamoDBDocumentClient,
  tableName: string,
): AccountDeletionJobs {
  return {
    async find(ref) {
      if (!ref.sk.startsWith(keyPrefixes.accountDeletionJob)) return undefined;
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: ref.pk, sk: ref.sk }, ConsistentRead: true }),
      );
      return Item ? jobItemSchema.parse(Item) : undefined;
    },
    async complete(ref) {
      await client.send(new DeleteCommand({ TableName: tableName, Key: { pk: ref.pk, sk: ref.sk } }));
    },
  };
}

/**
 * When an item came into being, for the "created at or before the deletion" rule: its
 * `created_at`/`updated_at` (ISO text) or `requested_at`/`created_at` (epoch ms, the streams
 * table), `connected_at` (epoch ms, a WebSocket connection), or a stored room's; undefined
 * when it carries none (counters, rate windows, connection slots).
 */
function bornAt(item: Record<string, unknown>): string | undefined {
  for (const name of ['created_at', 'updated_at', 'requested_at', 'started_at', 'connected_at']) {
    const value = item[name];
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return new Date(value).toISOString();
  }
  const room = item.room;
  if (room && typeof room === 'object' && typeof (room as Record<string, unknown>).created_at === 'string')
    return (room as Record<string, string>).created_at;
  return undefined;
}

/** Items that stay: the watermark itself, the (reset) counter, and deletion jobs (each deletes itself last). */
const keptSortKeys = (sk: string) =>
  sk === keys.account('').sk || sk === keys.counters('').sk || sk.startsWith(keyPrefixes.accountDeletionJob);

/**
 * The chat table's items of a user: every room created at or before the deletion with all its
 * messages (messages first, the room item last, so a retried job finds the room again), then
 * sessions, idempotency records, rate windows, history jobs and settings from before it.
 */
export function chatTableFamily(
  client: DynamoDBDocumentClient,
  tableName: string,
  messages: MessageRepository,
): PerUserItemFamily {
  return {
    name: 'chat',
    async deleteUpTo(userId, upTo) {
      let deleted = 0;
      for await (const items of pages(client, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.userPartition(userId) },
      })) {
        const doomed: { pk: string; sk: string }[] = [];
        for (const item of items) {
          const sk = z.string().parse(item.sk);
          if (keptSortKeys(sk)) continue;
          const born = bornAt(item);
          if (born !== undefined && born > upTo) continue;
          if (sk.startsWith(keyPrefixes.room))
            deleted += await messages.deleteAll(userId, z.string().parse(item.room_id));
          doomed.push({ pk: keys.userPartition(userId), sk });
        }
        await batchDelete(client, tableName, doomed);
        deleted += doomed.length;
      }
      return deleted;
    },
  };
}

/**
 * Every item under the owner's partition of a table whose keys are owner-first (the streams
 * table: stream records, slots, tombstones, request records, and whatever kinds it holds
 * later), except those that came into being after the deletion (a stream the user started
 * since). Written against the key prefix, not against today's item kinds.
 */
export function ownerPartitionFamily(
  client: DynamoDBDocumentClient,
  tableName: string,
  name: string,
): PerUserItemFamily {
  return {
    name,
    async deleteUpTo(userId, upTo) {
      let deleted = 0;
      for await (const items of pages(client, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.userPartition(userId) },
      })) {
        const doomed = items
          .filter((item) => {
            const born = bornAt(item);
            return born === undefined || born <= upTo;
          })
          .map((item) => ({ pk: z.string().parse(item.pk), sk: z.string().parse(item.sk) }));
        await batchDelete(client, tableName, doomed);
        deleted += doomed.length;
      }
      return deleted;
    },
  };
}
