import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { toEpochSeconds } from '../domain/clock';
import type {
  CreateRoomCommand,
  CreateRoomOutcome,
  RestoreOutcome,
  RoomListPosition,
  RoomRepository,
} from '../domain/rooms/ports';
import { firstReviewAt } from '../domain/rooms/room-policy';
import { type RoomRecord, type RoomSortField, roomItemSchema } from '../schemas/rooms';
import { accountItemSchema, hiddenByAccountDeletion } from './account-watermark';
import { keys, liveRoomCondition, purgeShards } from './keys';
import { conditionFailed, transactWrite } from './transactions';

/**
 * Rooms in the chat table (layout and costs: docs/architecture.md, "Access patterns").
 *
 * Invariant: COUNTER.live_rooms equals the number of live rooms of the user. Every write that
 * makes a room live or not live changes the counter in the same transaction, with the limit in
 * the counter's condition, so 60 parallel creates leave exactly 50 rooms:
 *
 *   create A: counter 49 < 50 ✓, room A put ─┐
 *   create B: counter 49 < 50 ✓, room B put ─┴─ both touch COUNTER: DynamoDB runs one, cancels
 *             the other (TransactionConflict); retried, B sees 50 and fails its condition.
 */
const CREATE_OPERATION = 'ROOM_CREATE';
/** Rate-window items outlive their hour a little, so a late read never sees a recycled count. */
const RATE_WINDOW_GRACE_SECONDS = 3600;

const listIndex: Record<RoomSortField, { readonly name: string; readonly pk: string; readonly sk: string }> =
  {
    last_activity: { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' },
    created_at: { name: 'gsi2', pk: 'gsi2pk', sk: 'gsi2sk' },
    room_name: { name: 'gsi3', pk: 'gsi3pk', sk: 'gsi3sk' },
  };

/** room_name sorts case-insensitively. */
const foldName = (name: string): string => name.toLowerCase();

/** The sort key values of a live room in gsi1-gsi3 (a soft delete removes them; a restore puts them back). */
function listKeys(room: RoomRecord) {
  const partition = keys.roomListPartition(room.user_id);
  return {
    gsi1pk: partition,
    gsi1sk: keys.roomListSortKey(room.last_activity, room.room_id),
    gsi2pk: partition,
    gsi2sk: keys.roomListSortKey(room.created_at, room.room_id),
    gsi3pk: partition,
    gsi3sk: keys.roomNameSortKey(foldName(room.room_name), room.room_id),
  };
}

/**
 * A live room's place in the retention review (gsi4 `REVIEW#<shard>`): a soft delete replaces
 * it with the purge keys, a restore puts it back.
 */
export function reviewKeys(userId: string, roomId: string, reviewAt: string) {
  return {
    gsi4pk: keys.reviewPartition(keys.purgeShardOf(roomId)),
    gsi4sk: keys.reviewSortKey(reviewAt, userId, roomId),
  };
}

/** The stored attributes of a room (metadata as JSON text, see roomItemSchema). */
const roomAttributes = (room: RoomRecord) => ({ ...room, metadata: JSON.stringify(room.metadata) });

const counterSchema = z.object({ live_rooms: z.number().int().nonnegative() });
const idempotencyItemSchema = z.object({ request_hash: z.string(), room: roomItemSchema });
const purgeCandidateSchema = z.object({ user_id: z.string(), room_id: z.string() });
const purgeCursorSchema = z.object({
  shard: z.number().int().min(0),
  key: z.record(z.string(), z.string()).optional(),
});

export function createRoomRepository(client: DynamoDBDocumentClient, tableName: string): RoomRepository {
  const TableName = tableName;

  async function create(command: CreateRoomCommand): Promise<CreateRoomOutcome> {
    const { room, idempotency } = command;
    const userId = room.user_id;
    const nowEpoch = toEpochSeconds(command.now);
    const result = await transactWrite(client, {
      TransactItems: [
        {
          Update: {
            TableName,
            Key: keys.counters(userId),
            UpdateExpression: 'SET live_rooms = if_not_exists(live_rooms, :zero) + :one',
            ConditionExpression: 'attribute_not_exists(live_rooms) OR live_rooms < :max',
            ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': command.maxLiveRooms },
          },
        },
        {
          Update: {
            TableName,
            Key: keys.rateWindow(userId, CREATE_OPERATION, command.rateWindow.start),
            UpdateExpression: 'SET #count = if_not_exists(#count, :zero) + :one, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
            ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':zero': 0,
              ':one': 1,
              ':limit': command.rateWindow.limit,
              ':ttl': toEpochSeconds(command.rateWindow.endsAt) + RATE_WINDOW_GRACE_SECONDS,
            },
          },
        },
        {
          Put: {
            TableName,
            Item: {
              ...keys.room(userId, room.room_id),
              entity: 'ROOM',
              ...roomAttributes(room),
              ...listKeys(room),
              ...reviewKeys(userId, room.room_id, firstReviewAt(room.last_activity)),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...(idempotency
          ? [
              {
                Put: {
                  TableName,
                  Item: {
                    ...keys.idempotency(userId, CREATE_OPERATION, idempotency.key),
                    entity: 'IDEMPOTENCY',
                    request_hash: idempotency.requestHash,
                    room: roomAttributes(room),
                    ttl: toEpochSeconds(idempotency.expiresAt),
                  },
                  // An expired record that TTL has not removed yet counts as absent.
                  ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
                  ExpressionAttributeNames: { '#ttl': 'ttl' },
                  ExpressionAttributeValues: { ':now': nowEpoch },
                },
              },
            ]
          : []),
      ],
    });
    if (result.committed) return { kind: 'created' };
    // A replay wins over the other reasons: the key's first request may have taken the last slot.
    if (idempotency && conditionFailed(result, 3)) {
      const stored = await client.send(
        new GetCommand({
          TableName,
          Key: keys.idempotency(userId, CREATE_OPERATION, idempotency.key),
          ConsistentRead: true,
        }),
      );
      if (!stored.Item) return { kind: 'contention' };
      return { kind: 'idempotency-key-used', record: idempotencyItemSchema.parse(stored.Item) };
    }
    if (conditionFailed(result, 0)) return { kind: 'room-limit' };
    if (conditionFailed(result, 1)) return { kind: 'rate-limited' };
    return { kind: 'contention' };
  }

  /** The room and the account's deletion watermark in one round trip: a room the watermark covers is gone. */
  async function find(userId: string, roomId: string): Promise<RoomRecord | undefined> {
    const roomKey = keys.room(userId, roomId);
    const accountKey = keys.account(userId);
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] = [roomKey, accountKey];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
      const result = await client.send(
        new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(result.Responses?.[TableName] ?? []));
      pending = result.UnprocessedKeys?.[TableName]?.Keys ?? [];
    }
    const roomItem = items.find((item) => item.sk === roomKey.sk);
    const accountItem = items.find((item) => item.sk === accountKey.sk);
    if (!roomItem) return undefined;
    const room = roomItemSchema.parse(roomItem);
    const watermark = accountItem ? accountItemSchema.parse(accountItem).data_deleted_at : undefined;
    return hiddenByAccountDeletion(room.created_at, watermark) ? undefined : room;
  }

  async function deletionWatermark(userId: string): Promise<string | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName, Key: keys.account(userId), ConsistentRead: true }),
    );
    return Item ? accountItemSchema.parse(Item).data_deleted_at : undefined;
  }

  async function countLive(userId: string): Promise<number> {
    const { Item } = await client.send(
      new GetCommand({
        TableName,
        Key: keys.counters(userId),
        ProjectionExpression: 'live_rooms',
        ConsistentRead: true,
      }),
    );
    return Item ? counterSchema.parse(Item).live_rooms : 0;
  }

  const list: RoomRepository['list'] = async (userId, page) => {
    const index = listIndex[page.sortBy];
    const partition = keys.roomListPartition(userId);
    // One more than the page: whether it exists is whether there is a next page.
    const wanted = page.offset + page.limit + 1;
    const items: Record<string, unknown>[] = [];
    // Read beside the listing (no round trip of its own): rooms an account deletion hid are left out.
    const watermark = deletionWatermark(userId);
    // Awaited after the listing; if the listing fails first, this one's failure must not go unhandled.
    watermark.catch(() => undefined);
    let startKey: Record<string, unknown> | undefined = page.after
      ? {
          ...keys.room(userId, page.after.room_id),
          [index.pk]: partition,
          [index.sk]: page.after.sort_key,
        }
      : undefined;
    do {
      const result = await client.send(
        new QueryCommand({
          TableName,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :partition',
          ExpressionAttributeNames: { '#pk': index.pk },
          ExpressionAttributeValues: { ':partition': partition },
          ScanIndexForward: page.order === 'asc',
          Limit: wanted - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey && items.length < wanted);

    const hiddenUpTo = await watermark;
    if (hiddenUpTo !== undefined) {
      const visible = items.filter(
        (item) => !hiddenByAccountDeletion(z.string().parse(item.created_at), hiddenUpTo),
      );
      items.length = 0;
      items.push(...visible);
    }
    const pageItems = items.slice(page.offset, page.offset + page.limit);
    const last = pageItems.at(-1);
    const hasMore = items.length > page.offset + page.limit;
    let next: RoomListPosition | undefined;
    if (hasMore && last) {
      next = { room_id: z.string().parse(last.room_id), sort_key: z.string().parse(last[index.sk]) };
    }
    return { rooms: pageItems.map((item) => roomItemSchema.parse(item)), next };
  };

  const update: RoomRepository['update'] = async (userId, roomId, changes) => {
    const sets: string[] = [];
    const values: Record<string, unknown> = { ':false': false };
    if (changes.room_name !== undefined) {
      sets.push('room_name = :name', 'gsi3sk = :nameKey');
      values[':name'] = changes.room_name;
      values[':nameKey'] = keys.roomNameSortKey(foldName(changes.room_name), roomId);
    }
    if (changes.metadata !== undefined) {
      sets.push('metadata = :metadata');
      values[':metadata'] = JSON.stringify(changes.metadata);
    }
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.room(userId, roomId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: liveRoomCondition,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return roomItemSchema.parse(Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  };

  const softDelete: RoomRepository['softDelete'] = async (userId, roomId, at) => {
    const deletedAt = at.deletedAt.toISOString();
    const unchangedSince = at.ifLastActivity === undefined ? '' : ' AND last_activity = :seenActivity';
    const purgeAfter = at.purgeAfter.toISOString();
    const result = await transactWrite(client, {
      TransactItems: [
        {
          Update: {
            TableName,
            Key: keys.room(userId, roomId),
            UpdateExpression:
              'SET is_deleted = :true, deleted_at = :deletedAt, purge_after = :purgeAfter, sessions_ended_at = :deletedAt, ' +
              'gsi4pk = :purgePartition, gsi4sk = :purgeKey ' +
              'REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk',
            ConditionExpression: `${liveRoomCondition}${unchangedSince}`,
            ExpressionAttributeValues: {
              ':true': true,
              ':false': false,
              ...(at.ifLastActivity === undefined ? {} : { ':seenActivity': at.ifLastActivity }),
              ':deletedAt': deletedAt,
              ':purgeAfter': purgeAfter,
              ':purgePartition': keys.purgePartition(keys.purgeShardOf(roomId)),
              ':purgeKey': keys.purgeSortKey(purgeAfter, userId, roomId),
            },
          },
        },
        {
          Update: {
            TableName,
            Key: keys.counters(userId),
            UpdateExpression: 'SET live_rooms = live_rooms - :one',
            ConditionExpression: 'live_rooms >= :one',
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
      ],
    });
    if (result.committed) return 'deleted';
    if (conditionFailed(result, 0)) return 'not-found';
    if (conditionFailed(result, 1)) throw new Error('COUNTER.live_rooms is out of step with the live rooms');
    return 'contention';
  };

  async function restore(
    userId: string,
    room: RoomRecord,
    limits: { readonly now: Date; readonly maxLiveRooms: number },
  ): Promise<RestoreOutcome> {
    const live = listKeys(room);
    const review = reviewKeys(userId, room.room_id, firstReviewAt(limits.now.toISOString()));
    const result = await transactWrite(client, {
      TransactItems: [
        {
          Update: {
            TableName,
            Key: keys.room(userId, room.room_id),
            UpdateExpression:
              'SET is_deleted = :false, gsi1pk = :g1pk, gsi1sk = :g1sk, gsi2pk = :g2pk, gsi2sk = :g2sk, gsi3pk = :g3pk, gsi3sk = :g3sk, ' +
              'gsi4pk = :reviewPartition, gsi4sk = :reviewKey ' +
              'REMOVE deleted_at, purge_after',
            ConditionExpression: 'is_deleted = :true AND purge_after > :now',
            ExpressionAttributeValues: {
              ':true': true,
              ':false': false,
              ':now': limits.now.toISOString(),
              ':g1pk': live.gsi1pk,
              ':g1sk': live.gsi1sk,
              ':g2pk': live.gsi2pk,
              ':g2sk': live.gsi2sk,
              ':g3pk': live.gsi3pk,
              ':g3sk': live.gsi3sk,
              // Restored now: its retention is reviewed as if it had just been active.
              ':reviewPartition': review.gsi4pk,
              ':reviewKey': review.gsi4sk,
            },
          },
        },
        {
          Update: {
            TableName,
            Key: keys.counters(userId),
            UpdateExpression: 'SET live_rooms = if_not_exists(live_rooms, :zero) + :one',
            ConditionExpression: 'attribute_not_exists(live_rooms) OR live_rooms < :max',
            ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': limits.maxLiveRooms },
          },
        },
      ],
    });
    if (result.committed) return 'restored';
    if (conditionFailed(result, 0)) return 'not-found';
    if (conditionFailed(result, 1)) return 'room-limit';
    return 'contention';
  }

  const findPurgeable: RoomRepository['findPurgeable'] = async (now, page) => {
    const from = page.after === undefined ? { shard: 0 } : purgeCursorSchema.parse(JSON.parse(page.after));
    // Sort keys start with purge_after (ISO-8601): everything before the next millisecond is due.
    const bound = new Date(now.getTime() + 1).toISOString();
    const result = await client.send(
      new QueryCommand({
        TableName,
        IndexName: 'gsi4',
        KeyConditionExpression: 'gsi4pk = :partition AND gsi4sk < :bound',
        ExpressionAttributeValues: { ':partition': keys.purgePartition(from.shard), ':bound': bound },
        Limit: page.limit,
        ...(from.key ? { ExclusiveStartKey: from.key } : {}),
      }),
    );
    const rooms = (result.Items ?? []).map((item) => purgeCandidateSchema.parse(item));
    const lastKey = result.LastEvaluatedKey
      ? z.record(z.string(), z.string()).parse(result.LastEvaluatedKey)
      : undefined;
    const next = lastKey
      ? { shard: from.shard, key: lastKey }
      : from.shard + 1 < purgeShards
        ? { shard: from.shard + 1 }
        : undefined;
    return { rooms, next: next ? JSON.stringify(next) : undefined };
  };

  async function deletePurged(userId: string, roomId: string, now: Date): Promise<boolean> {
    try {
      await client.send(
        new DeleteCommand({
          TableName,
          Key: keys.room(userId, roomId),
          ConditionExpression: 'is_deleted = :true AND purge_after <= :now',
          ExpressionAttributeValues: { ':true': true, ':now': now.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async function subtractMessages(userId: string, roomId: string, count: number): Promise<void> {
    const attempt = (expression: string, condition: string) =>
      client
        .send(
          new UpdateCommand({
            TableName,
            Key: keys.room(userId, roomId),
            UpdateExpression: expression,
            ConditionExpression: `attribute_exists(pk) AND ${condition}`,
            ExpressionAttributeValues: {
              ':count': count,
              ...(expression.includes(':zero') ? { ':zero': 0 } : {}),
            },
          }),
        )
        .then(
          () => true,
          (error: unknown) => {
            if (error instanceof ConditionalCheckFailedException) return false;
            throw error;
          },
        );
    if (await attempt('SET message_count = message_count - :count', 'message_count >= :count')) return;
    await attempt('SET message_count = :zero', 'message_count < :count');
  }

  return {
    create,
    find,
    countLive,
    list,
    update,
    softDelete,
    restore,
    findPurgeable,
    deletePurged,
    subtractMessages,
  };
}
