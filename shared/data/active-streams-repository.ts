import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import type {
  ActiveStreams,
  Admission,
  CancelReason,
  CancelRequest,
  ChatRequestRecord,
  Checkpoint,
  HeartbeatOutcome,
  LiveStream,
  NewStream,
  RegisterOutcome,
  RequestStatus,
  StreamHandle,
} from '../domain/chat/ports';
import { tombstoneApplies } from '../domain/chat/stream-rules';
import { type Clock, toEpochSeconds } from '../domain/clock';
import type { StreamScope } from '../domain/rooms/ports';
import { batchGetConsistent } from './batch';
import { keyPrefixes, keys } from './keys';
import { backoff } from './retry';

/** Items a failed condition reports back are raw attribute values. */
const unmarshallItem = (item: Record<string, AttributeValue> | undefined) =>
  item ? unmarshall(item) : undefined;

/**
 * The ActiveStreams table (docs/architecture.md, "ActiveStreams table"). Every time here is
 * epoch milliseconds taken from the injected Clock, and every read or condition compares it
 * itself: `ttl` (epoch seconds) is only DynamoDB's lazy clean-up.
 *
 * Items of one user (`pk = USER#<sub>`):
 * - `SLOT#<n>` (n < MAX_LIVE_STREAMS_PER_USER): the concurrency slot a live stream holds while
 *   its `lease_expires_at` is ahead. Taking one is a conditional write
 *   (`attribute_not_exists(pk) OR lease_expires_at < :now`), so a crashed stream's slot is free
 *   again once its lease lapses, and no count can drift.
 * - `STREAM#<stream_id>`: the live record — cancel flag, partial-text checkpoint, heartbeat lease.
 * - `REQUEST#<request_id>`: one per chat request (24 h): a retried POST starts no second model call.
 * - `TOMBSTONE#REQUEST#<id>` / `TOMBSTONE#SESSION#<id>`: a stop that found nothing live (60 s).
 *
 * Which tombstone applies is the domain's rule (`tombstoneApplies`, shared/domain/chat/stream-rules.ts);
 * the registration transaction checks the same rule as condition expressions. The stop writes its tombstone and then looks for a live stream again; registration checks the
 * tombstones inside its transaction. Whichever lands second sees the other, so no stop is lost.
 */
const slotItemSchema = z.object({ stream_id: z.string(), lease_expires_at: z.number() });

const cancelReasonSchema = z.enum(['stop', 'room', 'session', 'account']);
const requestStatusSchema = z.enum(['running', 'complete', 'cancelled', 'interrupted', 'error']);

const streamItemSchema = z.object({
  stream_id: z.string(),
  request_id: z.string(),
  session_id: z.string(),
  room_id: z.string(),
  requested_at: z.number(),
  lease_expires_at: z.number(),
  cancel_requested: z.boolean(),
  cancel_requested_at: z.number().optional(),
  cancel_reason: cancelReasonSchema.optional(),
  partial_response: z.string().default(''),
});
type StreamItem = z.output<typeof streamItemSchema>;

const requestItemSchema = z.object({
  request_id: z.string(),
  stream_id: z.string(),
  session_id: z.string(),
  status: requestStatusSchema,
});

const tombstoneItemSchema = z.object({ created_at: z.number(), expires_at: z.number() });

export interface ActiveStreamsRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
  /** MAX_LIVE_STREAMS_PER_USER: the number of slots. */
  readonly maxLiveStreams: number;
  /** STREAM_LEASE_SECONDS: how long a slot and a stream record outlive their last heartbeat. */
  readonly leaseSeconds: number;
  /** How long a stop tombstone lasts. @default 60 */
  readonly tombstoneSeconds?: number;
  /** How long a chat request is remembered (retries within it get 409). @default 86400 */
  readonly requestRecordSeconds?: number;
  /** Registration attempts under contention before answering 429. @default 8 */
  readonly maxRegisterAttempts?: number;
  /** For tests: the slot choice. @default Math.random */
  readonly random?: () => number;
}

const liveStreamOf = (item: StreamItem): LiveStream => ({
  streamId: item.stream_id,
  requestId: item.request_id,
  sessionId: item.session_id,
  roomId: item.room_id,
  requestedAt: new Date(item.requested_at),
  partialResponse: item.partial_response,
  ...(item.cancel_requested
    ? {
        cancel: {
          requestedAt: new Date(item.cancel_requested_at ?? item.requested_at),
          reason: item.cancel_reason ?? 'stop',
        },
      }
    : {}),
});

const requestOf = (item: z.output<typeof requestItemSchema>): ChatRequestRecord => ({
  requestId: item.request_id,
  streamId: item.stream_id,
  sessionId: item.session_id,
  status: item.status,
});

const stopFromTombstone = (item: z.output<typeof tombstoneItemSchema>): CancelRequest => ({
  requestedAt: new Date(item.created_at),
  reason: 'stop',
});

/** A slot taken by a parallel registration: look again after a short jittered wait. */
const slotRetry = { baseDelayMs: 10, maxDelayMs: 160 } as const;

export function createActiveStreamsRepository(options: ActiveStreamsRepositoryOptions): ActiveStreams {
  const { client, tableName: TableName, clock } = options;
  const leaseMs = options.leaseSeconds * 1000;
  const tombstoneMs = (options.tombstoneSeconds ?? 60) * 1000;
  const requestRecordSeconds = options.requestRecordSeconds ?? 86_400;
  const maxAttempts = options.maxRegisterAttempts ?? 8;
  const random = options.random ?? Math.random;
  const slots = Array.from({ length: options.maxLiveStreams }, (_, slot) => slot);
  /** When each handle's slot lease runs out: renewed when a third of the lease is used up. */
  const slotLeases = new WeakMap<StreamHandle, number>();
  const now = () => clock.now().getTime();
  /** TTL: DynamoDB's clean-up, an hour after the item stops mattering. */
  const ttlAfter = (epochMs: number) => toEpochSeconds(new Date(epochMs)) + 3600;

  const batchGet = (keyList: Record<string, string>[]) =>
    batchGetConsistent(client, TableName, keyList, { random });

  function freeSlotsIn(items: readonly Record<string, unknown>[], at: number): number[] {
    const held = new Set<number>();
    for (const item of items) {
      const sk = String(item.sk ?? '');
      if (!sk.startsWith(keyPrefixes.slot)) continue;
      const slot = slotItemSchema.safeParse(item);
      if (slot.success && slot.data.lease_expires_at >= at)
        held.add(Number(sk.slice(keyPrefixes.slot.length)));
    }
    return slots.filter((slot) => !held.has(slot));
  }

  async function readFreeSlots(userId: string): Promise<number[]> {
    const items = await batchGet(slots.map((slot) => keys.streamSlot(userId, slot)));
    return freeSlotsIn(items, now());
  }

  async function liveStreams(userId: string): Promise<LiveStream[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.stream(userId, '').pk, ':prefix': keyPrefixes.stream },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const at = now();
    return items
      .map((item) => streamItemSchema.parse(item))
      .filter((item) => item.lease_expires_at > at)
      .sort((a, b) => b.requested_at - a.requested_at)
      .map(liveStreamOf);
  }

  async function requestCancel(
    userId: string,
    streamId: string,
    reason: CancelReason,
  ): Promise<LiveStream | undefined> {
    const at = now();
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.stream(userId, streamId),
          // The first request's time and reason stay: StopLatencyMs measures from the first stop.
          UpdateExpression:
            'SET cancel_requested = :true, cancel_requested_at = if_not_exists(cancel_requested_at, :now), cancel_reason = if_not_exists(cancel_reason, :reason)',
          ConditionExpression: 'attribute_exists(pk) AND lease_expires_at > :now',
          ExpressionAttributeValues: { ':true': true, ':now': at, ':reason': reason },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return liveStreamOf(streamItemSchema.parse(result.Attributes));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  return {
    async admission(userId, target): Promise<Admission> {
      const items = await batchGet([
        ...slots.map((slot) => keys.streamSlot(userId, slot)),
        keys.chatRequest(userId, target.requestId),
        keys.stopTombstone(userId, { requestId: target.requestId }),
        keys.stopTombstone(userId, { sessionId: target.sessionId }),
      ]);
      const at = now();
      const bySk = new Map(items.map((item) => [String(item.sk), item]));
      const request = bySk.get(keys.chatRequest(userId, target.requestId).sk);
      const requestTombstone = tombstoneItemSchema.safeParse(
        bySk.get(keys.stopTombstone(userId, { requestId: target.requestId }).sk),
      );
      const sessionTombstone = tombstoneItemSchema.safeParse(
        bySk.get(keys.stopTombstone(userId, { sessionId: target.sessionId }).sk),
      );
      const applies = (kind: 'request' | 'session', item: z.output<typeof tombstoneItemSchema>) =>
        tombstoneApplies(
          kind,
          { createdAt: new Date(item.created_at), expiresAt: new Date(item.expires_at) },
          target,
          new Date(at),
        );
      const applying = [
        requestTombstone.success && applies('request', requestTombstone.data)
          ? requestTombstone.data
          : undefined,
        sessionTombstone.success && applies('session', sessionTombstone.data)
          ? sessionTombstone.data
          : undefined,
      ].find((tombstone) => tombstone !== undefined);
      return {
        freeSlots: freeSlotsIn(items, at),
        ...(request ? { existingRequest: requestOf(requestItemSchema.parse(request)) } : {}),
        ...(applying ? { tombstone: stopFromTombstone(applying) } : {}),
      };
    },

    async register(stream: NewStream, admission: Admission): Promise<RegisterOutcome> {
      const { userId } = stream;
      let candidates = [...admission.freeSlots];
      let cancel = admission.tombstone;
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        if (candidates.length === 0) break;
        // A random free slot: parallel requests of one user rarely pick the same one.
        const slot = candidates[Math.floor(random() * candidates.length)] ?? 0;
        const at = now();
        const leaseExpiresAt = at + leaseMs;
        const checksTombstones = cancel === undefined;
        const items = [
          {
            Put: {
              TableName,
              Item: {
                ...keys.stream(userId, stream.streamId),
                stream_id: stream.streamId,
                request_id: stream.requestId,
                session_id: stream.sessionId,
                room_id: stream.roomId,
                agent_type: stream.agentType,
                message_id: stream.messageId,
                slot,
                requested_at: stream.requestedAt.getTime(),
                started_at: at,
                deadline_at: stream.deadlineAt.getTime(),
                lease_expires_at: leaseExpiresAt,
                cancel_requested: cancel !== undefined,
                ...(cancel
                  ? { cancel_requested_at: cancel.requestedAt.getTime(), cancel_reason: cancel.reason }
                  : {}),
                partial_response: '',
                partial_seq: 0,
                ttl: ttlAfter(Math.max(leaseExpiresAt, stream.deadlineAt.getTime())),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName,
              Item: {
                ...keys.streamSlot(userId, slot),
                stream_id: stream.streamId,
                lease_expires_at: leaseExpiresAt,
                ttl: ttlAfter(leaseExpiresAt),
              },
              ConditionExpression: 'attribute_not_exists(pk) OR lease_expires_at < :now',
              ExpressionAttributeValues: { ':now': at },
            },
          },
          {
            Put: {
              TableName,
              Item: {
                ...keys.chatRequest(userId, stream.requestId),
                request_id: stream.requestId,
                stream_id: stream.streamId,
                session_id: stream.sessionId,
                room_id: stream.roomId,
                status: 'running' satisfies RequestStatus,
                created_at: at,
                ttl: toEpochSeconds(new Date(at)) + requestRecordSeconds,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...(checksTombstones
            ? [
                // No tombstone applies: the negation of `tombstoneApplies`, checked atomically.
                {
                  ConditionCheck: {
                    TableName,
                    Key: keys.stopTombstone(userId, { requestId: stream.requestId }),
                    ConditionExpression: 'attribute_not_exists(pk) OR expires_at <= :now',
                    ExpressionAttributeValues: { ':now': at },
                    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
                  },
                },
                {
                  ConditionCheck: {
                    TableName,
                    Key: keys.stopTombstone(userId, { sessionId: stream.sessionId }),
                    ConditionExpression:
                      'attribute_not_exists(pk) OR expires_at <= :now OR created_at < :requestedAt',
                    ExpressionAttributeValues: { ':now': at, ':requestedAt': stream.requestedAt.getTime() },
                    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
                  },
                },
              ]
            : []),
        ];
        try {
          await client.send(
            new TransactWriteCommand({
              TransactItems: items,
              // Makes the SDK's own retry of this exact attempt idempotent.
              ClientRequestToken: createHash('sha256')
                .update(`${stream.streamId}:${attempt}`)
                .digest('hex')
                .slice(0, 36),
            }),
          );
          const handle: StreamHandle = {
            userId,
            streamId: stream.streamId,
            requestId: stream.requestId,
            slot,
            ...(cancel ? { cancel } : {}),
          };
          slotLeases.set(handle, leaseExpiresAt);
          return { kind: 'registered', handle };
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          const reasons = error.CancellationReasons ?? [];
          const failed = (index: number) => reasons[index]?.Code === 'ConditionalCheckFailed';
          if (failed(2)) return { kind: 'request-taken' };
          const tombstone = [3, 4]
            .filter(failed)
            .map((index) => tombstoneItemSchema.safeParse(unmarshallItem(reasons[index]?.Item)))
            .find((parsed) => parsed.success);
          if (checksTombstones && tombstone?.success) {
            // A stop arrived between the admission read and this write: register as cancelled.
            cancel = stopFromTombstone(tombstone.data);
            continue;
          }
          // The slot was taken meanwhile, or another transaction held an item: look again.
          await backoff(attempt, { ...slotRetry, maxAttempts, random });
          candidates = await readFreeSlots(userId);
        }
      }
      return { kind: 'no-free-slot' };
    },

    async heartbeat(handle: StreamHandle, checkpoint: Checkpoint | undefined): Promise<HeartbeatOutcome> {
      const at = now();
      const leaseExpiresAt = at + leaseMs;
      const slotLease = slotLeases.get(handle) ?? 0;
      const renewSlot =
        slotLease - at < (leaseMs * 2) / 3
          ? client
              .send(
                new UpdateCommand({
                  TableName,
                  Key: keys.streamSlot(handle.userId, handle.slot),
                  UpdateExpression: 'SET lease_expires_at = :lease, #ttl = :ttl',
                  ConditionExpression: 'stream_id = :streamId',
                  ExpressionAttributeNames: { '#ttl': 'ttl' },
                  ExpressionAttributeValues: {
                    ':lease': leaseExpiresAt,
                    ':ttl': ttlAfter(leaseExpiresAt),
                    ':streamId': handle.streamId,
                  },
                }),
              )
              .then(() => slotLeases.set(handle, leaseExpiresAt))
          : Promise.resolve();
      const update = client.send(
        new UpdateCommand({
          TableName,
          Key: keys.stream(handle.userId, handle.streamId),
          UpdateExpression: `SET lease_expires_at = :lease, #ttl = :ttl, heartbeat_at = :now${
            checkpoint ? ', partial_response = :partial, partial_seq = :seq' : ''
          }`,
          ConditionExpression: 'attribute_exists(pk) AND cancel_requested = :false',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':lease': leaseExpiresAt,
            ':ttl': ttlAfter(leaseExpiresAt),
            ':now': at,
            ':false': false,
            ...(checkpoint ? { ':partial': checkpoint.partialResponse, ':seq': checkpoint.seq } : {}),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      try {
        await Promise.all([update, renewSlot]);
        return { state: 'live' };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Either write can fail its condition; the stream record's state decides.
        const failedUpdate = await update.then(
          () => undefined,
          (reason: unknown) => reason,
        );
        if (!(failedUpdate instanceof ConditionalCheckFailedException)) {
          // The slot went to another stream while this one could not renew it: it keeps running
          // (it is live and will end), and the next stream of the user may get 429 for a while.
          return { state: 'live' };
        }
        const current = streamItemSchema.safeParse(unmarshallItem(failedUpdate.Item));
        if (!current.success) return { state: 'lost' };
        return {
          state: 'cancelled',
          cancel: liveStreamOf(current.data).cancel ?? { requestedAt: new Date(at), reason: 'stop' },
        };
      }
    },

    async finish(handle: StreamHandle, status): Promise<void> {
      const at = now();
      await Promise.all([
        client.send(new DeleteCommand({ TableName, Key: keys.stream(handle.userId, handle.streamId) })),
        client
          .send(
            new DeleteCommand({
              TableName,
              Key: keys.streamSlot(handle.userId, handle.slot),
              ConditionExpression: 'stream_id = :streamId',
              ExpressionAttributeValues: { ':streamId': handle.streamId },
            }),
          )
          .catch((error: unknown) => {
            // Another stream holds the slot now (this one's lease had lapsed): not ours to free.
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          }),
        client
          .send(
            new UpdateCommand({
              TableName,
              Key: keys.chatRequest(handle.userId, handle.requestId),
              UpdateExpression: 'SET #status = :status, ended_at = :now',
              ConditionExpression: 'attribute_exists(pk) AND stream_id = :streamId',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':status': status, ':now': at, ':streamId': handle.streamId },
            }),
          )
          .catch((error: unknown) => {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          }),
      ]);
    },

    liveStreams,

    async getStream(userId, streamId) {
      const result = await client.send(
        new GetCommand({ TableName, Key: keys.stream(userId, streamId), ConsistentRead: true }),
      );
      if (!result.Item) return undefined;
      const item = streamItemSchema.parse(result.Item);
      return item.lease_expires_at > now() ? liveStreamOf(item) : undefined;
    },

    async getRequest(userId, requestId) {
      const result = await client.send(
        new GetCommand({ TableName, Key: keys.chatRequest(userId, requestId), ConsistentRead: true }),
      );
      return result.Item ? requestOf(requestItemSchema.parse(result.Item)) : undefined;
    },

    requestCancel,

    async leaveTombstone(userId, target) {
      const at = now();
      const expiresAt = at + tombstoneMs;
      await client.send(
        new PutCommand({
          TableName,
          // A later stop replaces an earlier tombstone: its reach only grows.
          Item: {
            ...keys.stopTombstone(userId, target),
            created_at: at,
            expires_at: expiresAt,
            ttl: ttlAfter(expiresAt),
          },
        }),
      );
      return new Date(at);
    },

    async cancelStreams(userId: string, scope: StreamScope): Promise<string[]> {
      const reason: CancelReason = 'roomId' in scope ? 'room' : 'sessionId' in scope ? 'session' : 'account';
      const targets = (await liveStreams(userId)).filter((stream) =>
        'roomId' in scope
          ? stream.roomId === scope.roomId
          : 'sessionId' in scope
            ? stream.sessionId === scope.sessionId
            : true,
      );
      const flagged = await Promise.all(
        targets.map((stream) => requestCancel(userId, stream.streamId, reason)),
      );
      return flagged
        .filter((stream): stream is LiveStream => stream !== undefined)
        .map((stream) => stream.streamId);
    },
  };
}
