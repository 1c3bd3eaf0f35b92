import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
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
  ConsumedUnits,
  LiveStream,
  LoggedDelta,
  NewStream,
  PollOutcome,
  RegisterOutcome,
  RequestStatus,
  StoredTerminal,
  StreamEnding,
  StreamHandle,
  StreamRecord,
} from '../domain/chat/ports';
import { tombstoneApplies } from '../domain/chat/stream-rules';
import { type Clock, toEpochSeconds } from '../domain/clock';
import type { StreamScope } from '../domain/rooms/ports';
import { streamErrorCodes } from '../schemas/chat';
import { batchGetConsistent } from './batch';
import { keyPrefixes, keys, runningShards } from './keys';
import { backoff } from './retry';

/**
 * The streams table (docs/architecture.md, "Streams table"). Every time here is epoch
 * milliseconds taken from the injected Clock, and every read or condition compares it itself:
 * `ttl` (epoch seconds) is only DynamoDB's lazy clean-up.
 *
 * Items of one user (`pk = USER#<sub>`):
 * - `SLOT#<n>` (n < MAX_LIVE_STREAMS_PER_USER): the concurrency slot a live stream holds while
 *   its `lease_expires_at` is ahead (with the stream's id, room and session, so a read can find a
 *   lapsed stream of a room or session). Taking one is a conditional write
 *   (`attribute_not_exists(pk) OR lease_expires_at < :now`), so a crashed stream's slot is free
 *   again once its lease lapses, and no count can drift.
 * - `STREAM#<stream_id>`: the stream's one record, small (< 1 KB): ids, `status`
 *   (running → completed | cancelled | interrupted | error), cancel flag, lease, and once ended
 *   `last_seq`, the terminal event and `log_expires_at`. The loop READS it every poll (one
 *   strongly consistent GetItem) and writes it only to renew the lease (every third of it).
 *   While running it carries the sparse running-streams index keys (gsi1) for the sweep.
 * - `LOG#<stream_id>#<first seq>`: the stream log, one chunk per flush holding the deltas sent
 *   since the previous one (`first_seq`, `deltas`), so write units grow with the answer's length.
 * - `REQUEST#<request_id>`: one per chat request (24 h): a retried POST starts no second model call.
 * - `TOMBSTONE#REQUEST#<id>` / `TOMBSTONE#SESSION#<id>`: a stop that found nothing live (60 s).
 *
 * Which tombstone applies is the domain's rule (`tombstoneApplies`, shared/domain/chat/stream-rules.ts);
 * the registration transaction checks the same rule as condition expressions. The stop writes
 * its tombstone and then looks for a live stream again; registration checks the tombstones
 * inside its transaction. Whichever lands second sees the other, so no stop is lost.
 */
const slotItemSchema = z.object({
  stream_id: z.string(),
  lease_expires_at: z.number(),
  room_id: z.string().optional(),
  session_id: z.string().optional(),
});

const cancelReasonSchema = z.enum(['stop', 'room', 'session', 'account']);
const requestStatusSchema = z.enum(['running', 'complete', 'cancelled', 'interrupted', 'error']);

const storedTerminalSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('completed'),
    message_id: z.string(),
    usage: z.object({
      input_tokens: z.number(),
      output_tokens: z.number(),
      total_tokens: z.number(),
    }),
  }),
  z.object({ status: z.literal('cancelled') }),
  z.object({ status: z.literal('error'), code: z.enum(streamErrorCodes), message: z.string() }),
]);

const streamItemSchema = z.object({
  stream_id: z.string(),
  request_id: z.string(),
  session_id: z.string(),
  room_id: z.string(),
  agent_type: z.string(),
  message_id: z.string(),
  slot: z.number(),
  requested_at: z.number(),
  session_created_at: z.string(),
  status: requestStatusSchema,
  lease_expires_at: z.number(),
  cancel_requested: z.boolean(),
  cancel_requested_at: z.number().optional(),
  cancel_reason: cancelReasonSchema.optional(),
  last_seq: z.number().optional(),
  terminal: z.string().optional(),
  log_expires_at: z.number().optional(),
});
type StreamItem = z.output<typeof streamItemSchema>;

const logChunkSchema = z.object({ first_seq: z.number().int().positive(), deltas: z.array(z.string()) });

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
  /** STREAM_LEASE_SECONDS: how long a slot and a stream record outlive their last renewal. */
  readonly leaseSeconds: number;
  /** How long a stream's log is served after it ended (then 410). @default 86400 */
  readonly logRetentionSeconds?: number;
  /** How long a stop tombstone lasts. @default 60 */
  readonly tombstoneSeconds?: number;
  /** How long a chat request is remembered (retries within it get 409). @default 86400 */
  readonly requestRecordSeconds?: number;
  /** Registration attempts under contention before answering 429. @default 8 */
  readonly maxRegisterAttempts?: number;
  /** For tests: the slot choice. @default Math.random */
  readonly random?: () => number;
}

/** Items a failed condition reports back are raw attribute values. */
const unmarshallItem = (item: Record<string, AttributeValue> | undefined) =>
  item ? unmarshall(item) : undefined;

const cancelOf = (item: {
  cancel_requested: boolean;
  cancel_requested_at?: number | undefined;
  cancel_reason?: CancelReason | undefined;
  requested_at: number;
}): CancelRequest | undefined =>
  item.cancel_requested
    ? {
        requestedAt: new Date(item.cancel_requested_at ?? item.requested_at),
        reason: item.cancel_reason ?? 'stop',
      }
    : undefined;

const liveStreamOf = (item: StreamItem): LiveStream => {
  const cancel = cancelOf(item);
  return {
    streamId: item.stream_id,
    requestId: item.request_id,
    sessionId: item.session_id,
    roomId: item.room_id,
    requestedAt: new Date(item.requested_at),
    ...(cancel ? { cancel } : {}),
  };
};

const recordOf = (userId: string, item: StreamItem): StreamRecord => {
  const cancel = cancelOf(item);
  const terminal = item.terminal ? storedTerminalSchema.parse(JSON.parse(item.terminal)) : undefined;
  return {
    userId,
    streamId: item.stream_id,
    requestId: item.request_id,
    sessionId: item.session_id,
    roomId: item.room_id,
    agentType: item.agent_type,
    messageId: item.message_id,
    slot: item.slot,
    requestedAt: new Date(item.requested_at),
    sessionCreatedAt: item.session_created_at,
    status: item.status,
    leaseExpiresAt: new Date(item.lease_expires_at),
    ...(cancel ? { cancel } : {}),
    ...(item.last_seq !== undefined ? { lastSeq: item.last_seq } : {}),
    ...(terminal ? { terminal: terminal as StoredTerminal } : {}),
    ...(item.log_expires_at !== undefined ? { logExpiresAt: new Date(item.log_expires_at) } : {}),
  };
};

const deltasOf = (items: readonly Record<string, unknown>[]): LoggedDelta[] =>
  items.flatMap((item) => {
    const chunk = logChunkSchema.parse(item);
    return chunk.deltas.map((content, index) => ({ seq: chunk.first_seq + index, content }));
  });

/** A conditional write that lost its condition: a fact for the caller, not a failure. */
const ignoreConditionFailure = (error: unknown): void => {
  if (!(error instanceof ConditionalCheckFailedException)) throw error;
};

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

/** Whether a slot's stream is of the room, the session, or (account deletion) any of the user's. */
const slotInScope = (slot: { room_id?: string; session_id?: string }, scope: StreamScope): boolean =>
  'allOfUser' in scope ||
  ('roomId' in scope ? slot.room_id === scope.roomId : slot.session_id === scope.sessionId);

export function createActiveStreamsRepository(options: ActiveStreamsRepositoryOptions): ActiveStreams {
  const { client, tableName: TableName, clock } = options;
  const leaseMs = options.leaseSeconds * 1000;
  const tombstoneMs = (options.tombstoneSeconds ?? 60) * 1000;
  const requestRecordSeconds = options.requestRecordSeconds ?? 86_400;
  const logRetentionMs = (options.logRetentionSeconds ?? 86_400) * 1000;
  const maxAttempts = options.maxRegisterAttempts ?? 8;
  const random = options.random ?? Math.random;
  const slots = Array.from({ length: options.maxLiveStreams }, (_, slot) => slot);
  /** What the loop's own calls need to know about its handle, and what they consumed. */
  const handles = new WeakMap<
    StreamHandle,
    { deadlineAt: number; roomId: string; sessionId: string; read: number; write: number }
  >();
  const now = () => clock.now().getTime();
  /** TTL: DynamoDB's clean-up, an hour after the item stops mattering. */
  const ttlAfter = (epochMs: number) => toEpochSeconds(new Date(epochMs)) + 3600;
  /** An ended stream's record outlives its log by a week, so a late reader gets 410 rather than 404. */
  const RECORD_AFTER_LOG_MS = 7 * 86_400_000;

  const count = (handle: StreamHandle, kind: 'read' | 'write', consumed: ConsumedCapacity | undefined) => {
    const info = handles.get(handle);
    if (!info || !consumed) return;
    info[kind] +=
      (kind === 'read' ? consumed.ReadCapacityUnits : consumed.WriteCapacityUnits) ??
      consumed.CapacityUnits ??
      0;
  };

  const batchGet = (keyList: Record<string, string>[]) =>
    batchGetConsistent(client, TableName, keyList, { random });

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({ TableName, ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  const slotItemsOf = (items: readonly Record<string, unknown>[]) =>
    items.flatMap((item) => {
      const sk = String(item.sk ?? '');
      if (!sk.startsWith(keyPrefixes.slot)) return [];
      const slot = slotItemSchema.safeParse(item);
      return slot.success ? [{ slot: Number(sk.slice(keyPrefixes.slot.length)), ...slot.data }] : [];
    });

  function freeSlotsIn(items: readonly Record<string, unknown>[], at: number): number[] {
    const held = new Set(
      slotItemsOf(items)
        .filter((slot) => slot.lease_expires_at >= at)
        .map((slot) => slot.slot),
    );
    return slots.filter((slot) => !held.has(slot));
  }

  async function readFreeSlots(userId: string): Promise<number[]> {
    const items = await batchGet(slots.map((slot) => keys.streamSlot(userId, slot)));
    return freeSlotsIn(items, now());
  }

  async function getItem(userId: string, streamId: string): Promise<StreamItem | undefined> {
    const result = await client.send(
      new GetCommand({ TableName, Key: keys.stream(userId, streamId), ConsistentRead: true }),
    );
    return result.Item ? streamItemSchema.parse(result.Item) : undefined;
  }

  /** The user's live streams: the slots name them (at most MAX_LIVE_STREAMS_PER_USER), their records say if they run. */
  async function liveStreams(userId: string): Promise<LiveStream[]> {
    const at = now();
    const held = slotItemsOf(await batchGet(slots.map((slot) => keys.streamSlot(userId, slot)))).filter(
      (slot) => slot.lease_expires_at > at,
    );
    if (held.length === 0) return [];
    const records = await batchGet(held.map((slot) => keys.stream(userId, slot.stream_id)));
    return records
      .map((item) => streamItemSchema.parse(item))
      .filter((item) => item.status === 'running' && item.lease_expires_at > at)
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
          ConditionExpression: 'attribute_exists(pk) AND #status = :running AND lease_expires_at > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':true': true, ':now': at, ':reason': reason, ':running': 'running' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return liveStreamOf(streamItemSchema.parse(result.Attributes));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  const deleteSlot = (userId: string, slot: number, streamId: string) =>
    client
      .send(
        new DeleteCommand({
          TableName,
          Key: keys.streamSlot(userId, slot),
          ConditionExpression: 'stream_id = :streamId',
          ExpressionAttributeValues: { ':streamId': streamId },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      )
      // Another stream holds the slot now (this one's lease had lapsed): not ours to free.
      .catch(ignoreConditionFailure);

  /** The update that ends a running stream: status, its terminal event, the log's expiry; off the running index. */
  const endingUpdate = (ending: StreamEnding, at: number) => {
    const logExpiresAt = at + logRetentionMs;
    return {
      UpdateExpression:
        'SET #status = :status, ended_at = :now, last_seq = :lastSeq, terminal = :terminal, log_expires_at = :logExpiresAt, #ttl = :ttl REMOVE gsi1pk, gsi1sk',
      ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
      values: {
        ':status': ending.status,
        ':now': at,
        ':lastSeq': ending.lastSeq,
        ':terminal': JSON.stringify(ending.terminal),
        ':logExpiresAt': logExpiresAt,
        ':ttl': ttlAfter(logExpiresAt + RECORD_AFTER_LOG_MS),
        ':running': 'running',
      },
    };
  };

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
      const lapsed = slotItemsOf(items)
        .filter((slot) => slot.lease_expires_at < at)
        .map((slot) => slot.stream_id);
      return {
        freeSlots: freeSlotsIn(items, at),
        ...(request ? { existingRequest: requestOf(requestItemSchema.parse(request)) } : {}),
        ...(applying ? { tombstone: stopFromTombstone(applying) } : {}),
        ...(lapsed.length > 0 ? { lapsed } : {}),
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
                session_created_at: stream.sessionCreatedAt,
                started_at: at,
                deadline_at: stream.deadlineAt.getTime(),
                status: 'running' satisfies RequestStatus,
                lease_expires_at: leaseExpiresAt,
                cancel_requested: cancel !== undefined,
                ...(cancel
                  ? { cancel_requested_at: cancel.requestedAt.getTime(), cancel_reason: cancel.reason }
                  : {}),
                gsi1pk: keys.runningPartition(keys.runningShardOf(stream.streamId)),
                gsi1sk: keys.runningSortKey(leaseExpiresAt, userId, stream.streamId),
                // Kept until the sweep can have finished it from its log, had its process died.
                ttl: ttlAfter(stream.deadlineAt.getTime() + logRetentionMs),
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
                room_id: stream.roomId,
                session_id: stream.sessionId,
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
          const result = await client.send(
            new TransactWriteCommand({
              TransactItems: items,
              // Makes the SDK's own retry of this exact attempt idempotent.
              ClientRequestToken: createHash('sha256')
                .update(`${stream.streamId}:${attempt}`)
                .digest('hex')
                .slice(0, 36),
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          const handle: StreamHandle = {
            userId,
            streamId: stream.streamId,
            requestId: stream.requestId,
            slot,
            ...(cancel ? { cancel } : {}),
          };
          handles.set(handle, {
            deadlineAt: stream.deadlineAt.getTime(),
            roomId: stream.roomId,
            sessionId: stream.sessionId,
            read: 0,
            write: 0,
          });
          for (const consumed of result.ConsumedCapacity ?? []) count(handle, 'write', consumed);
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

    async poll(handle): Promise<PollOutcome> {
      const result = await client.send(
        new GetCommand({
          TableName,
          Key: keys.stream(handle.userId, handle.streamId),
          ConsistentRead: true,
          ProjectionExpression: '#status, cancel_requested, cancel_requested_at, cancel_reason, requested_at',
          ExpressionAttributeNames: { '#status': 'status' },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      count(handle, 'read', result.ConsumedCapacity);
      const item = z
        .object({
          status: requestStatusSchema,
          cancel_requested: z.boolean(),
          cancel_requested_at: z.number().optional(),
          cancel_reason: cancelReasonSchema.optional(),
          requested_at: z.number(),
        })
        .safeParse(result.Item);
      if (!item.success || item.data.status !== 'running') return { state: 'lost' };
      const cancel = cancelOf(item.data);
      return cancel ? { state: 'cancelled', cancel } : { state: 'live' };
    },

    async renewLease(handle) {
      const at = now();
      const leaseExpiresAt = at + leaseMs;
      const [record, slot] = await Promise.allSettled([
        client.send(
          new UpdateCommand({
            TableName,
            Key: keys.stream(handle.userId, handle.streamId),
            UpdateExpression: 'SET lease_expires_at = :lease, gsi1sk = :runningSk',
            ConditionExpression: '#status = :running',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':lease': leaseExpiresAt,
              ':runningSk': keys.runningSortKey(leaseExpiresAt, handle.userId, handle.streamId),
              ':running': 'running',
            },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
        client.send(
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
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      ]);
      if (record.status === 'fulfilled') count(handle, 'write', record.value.ConsumedCapacity);
      if (slot.status === 'fulfilled') count(handle, 'write', slot.value.ConsumedCapacity);
      if (record.status === 'rejected') {
        // Finished from its log by someone else (its lease had lapsed): this loop must end.
        if (record.reason instanceof ConditionalCheckFailedException) return 'lost';
        throw record.reason;
      }
      // A slot that went to another stream while this one could not renew it: the stream keeps
      // running (it is live and will end); the user's next stream may get 429 for a while.
      if (slot.status === 'rejected' && !(slot.reason instanceof ConditionalCheckFailedException))
        throw slot.reason;
      return 'live';
    },

    async appendLog(handle, deltas) {
      const first = deltas[0];
      if (!first) return;
      const info = handles.get(handle);
      try {
        const result = await client.send(
          new PutCommand({
            TableName,
            Item: {
              ...keys.streamLogChunk(handle.userId, handle.streamId, first.seq),
              first_seq: first.seq,
              deltas: deltas.map((delta) => delta.content),
              // Outlives the log's serving window (24 h after the end, which is before the deadline).
              ttl: ttlAfter((info?.deadlineAt ?? now()) + logRetentionMs),
            },
            // A retry of a chunk whose first write did land (its answer lost) writes nothing twice.
            ConditionExpression: 'attribute_not_exists(sk)',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        count(handle, 'write', result.ConsumedCapacity);
      } catch (error) {
        ignoreConditionFailure(error);
      }
    },

    async finish(handle, ending): Promise<void> {
      const at = now();
      const update = endingUpdate(ending, at);
      await Promise.all([
        client
          .send(
            new UpdateCommand({
              TableName,
              Key: keys.stream(handle.userId, handle.streamId),
              UpdateExpression: update.UpdateExpression,
              // Unless it was finished from its log meanwhile (its lease had lapsed).
              ConditionExpression: '#status = :running',
              ExpressionAttributeNames: update.ExpressionAttributeNames,
              ExpressionAttributeValues: update.values,
              ReturnConsumedCapacity: 'TOTAL',
            }),
          )
          .then((result) => count(handle, 'write', result.ConsumedCapacity), ignoreConditionFailure),
        deleteSlot(handle.userId, handle.slot, handle.streamId),
        client
          .send(
            new UpdateCommand({
              TableName,
              Key: keys.chatRequest(handle.userId, handle.requestId),
              UpdateExpression: 'SET #status = :status, ended_at = :now',
              ConditionExpression: 'attribute_exists(pk) AND stream_id = :streamId',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':status': ending.status,
                ':now': at,
                ':streamId': handle.streamId,
              },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          )
          .then((result) => count(handle, 'write', result.ConsumedCapacity), ignoreConditionFailure),
      ]);
    },

    consumed(handle): ConsumedUnits {
      const info = handles.get(handle);
      return { read: info?.read ?? 0, write: info?.write ?? 0 };
    },

    liveStreams,

    async getStream(userId, streamId) {
      const item = await getItem(userId, streamId);
      return item && item.status === 'running' && item.lease_expires_at > now()
        ? liveStreamOf(item)
        : undefined;
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

    async getRecord(userId, streamId) {
      const item = await getItem(userId, streamId);
      return item ? recordOf(userId, item) : undefined;
    },

    async readLog(userId, streamId, fromSeq = 1) {
      const range = keys.streamLogRange(streamId, fromSeq);
      return deltasOf(
        await queryAll({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.stream(userId, streamId).pk,
            ':from': range.from,
            ':to': range.to,
          },
          ConsistentRead: true,
        }),
      );
    },

    async lastLoggedSeq(userId, streamId) {
      const range = keys.streamLogRange(streamId);
      const result = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.stream(userId, streamId).pk,
            ':from': range.from,
            ':to': range.to,
          },
          ConsistentRead: true,
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      return deltasOf(result.Items ?? []).at(-1)?.seq ?? 0;
    },

    async liveStreamIds(userId, scope) {
      const at = now();
      const items = await batchGet(slots.map((slot) => keys.streamSlot(userId, slot)));
      return slotItemsOf(items)
        .filter((slot) => slot.lease_expires_at > at && slotInScope(slot, scope))
        .map((slot) => slot.stream_id);
    },

    async lapsedStreams(userId, scope) {
      const at = now();
      const items = await batchGet(slots.map((slot) => keys.streamSlot(userId, slot)));
      return slotItemsOf(items)
        .filter((slot) => slot.lease_expires_at < at && slotInScope(slot, scope))
        .map((slot) => slot.stream_id);
    },

    async lapsedStreamsInShard(shard, before) {
      if (shard < 0 || shard >= runningShards) return [];
      const items = await queryAll({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :before',
        ExpressionAttributeValues: {
          ':pk': keys.runningPartition(shard),
          ':before': String(before.getTime()).padStart(13, '0'),
        },
      });
      return items.flatMap((item) => {
        const [, userId, streamId] = String(item.gsi1sk ?? '').split('#');
        return userId && streamId ? [{ userId, streamId }] : [];
      });
    },

    async markInterrupted(record, ending) {
      const at = now();
      const update = endingUpdate(ending, at);
      try {
        await client.send(
          new UpdateCommand({
            TableName,
            Key: keys.stream(record.userId, record.streamId),
            UpdateExpression: update.UpdateExpression,
            ConditionExpression: '#status = :running AND lease_expires_at < :now',
            ExpressionAttributeNames: update.ExpressionAttributeNames,
            ExpressionAttributeValues: update.values,
          }),
        );
        return true;
      } catch (error) {
        ignoreConditionFailure(error);
        return false;
      }
    },

    async release(record) {
      await Promise.all([
        deleteSlot(record.userId, record.slot, record.streamId),
        client
          .send(
            new DeleteCommand({
              TableName,
              Key: keys.chatRequest(record.userId, record.requestId),
              ConditionExpression: 'stream_id = :streamId',
              ExpressionAttributeValues: { ':streamId': record.streamId },
            }),
          )
          .catch(ignoreConditionFailure),
      ]);
    },
  };
}
