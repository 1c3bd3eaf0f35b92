function hashOf(id: string): number {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash;
}

/**
 * Every DynamoDB key of the system, built in one place (layout: docs/architecture.md).
 * The owner comes first wherever the caller is known, so another user's item is not found.
 */
export const keys = {
  // Chat table
  room: (userId: string, roomId: string) => ({ pk: `USER#${userId}`, sk: `ROOM#${roomId}` }),
  /** Partition of the sparse room-list GSIs (gsi1 by last_activity, gsi2 by created_at, gsi3 by name). */
  roomListPartition: (userId: string) => `USER#${userId}#ROOMS`,
  counters: (userId: string) => ({ pk: `USER#${userId}`, sk: 'COUNTER' }),
  rateWindow: (userId: string, operation: string, windowStart: string) => ({
    pk: `USER#${userId}`,
    sk: `RATE#${operation}#${windowStart}`,
  }),
  idempotency: (userId: string, operation: string, key: string) => ({
    pk: `USER#${userId}`,
    sk: `IDEMPOTENCY#${operation}#${key}`,
  }),
  session: (userId: string, sessionId: string) => ({ pk: `USER#${userId}`, sk: `SESSION#${sessionId}` }),
  messagePartition: (userId: string, roomId: string) => `USER#${userId}#ROOM#${roomId}`,
  message: (userId: string, roomId: string, createdAt: string, messageId: string) => ({
    pk: `USER#${userId}#ROOM#${roomId}`,
    sk: `${keyPrefixes.message}${createdAt}#${messageId}`,
  }),
  /**
   * Sort key of a live room in gsi1 (last_activity) and gsi2 (created_at): the time, then the id,
   * so ties keep one order. The time is `Date.toISOString()` (fixed width).
   */
  roomListSortKey: (sortValue: string, roomId: string) => `${sortValue}#${roomId}`,
  /**
   * Sort key in gsi3 (room_name): the case-folded name, U+0001 (below any character a name may
   * hold: names have no control characters), then the id. With `#`, "Blood pressure" would sort
   * before "Blood" (' ' < '#').
   */
  roomNameSortKey: (foldedName: string, roomId: string) => `${foldedName}\u0001${roomId}`,
  /** A background job that deletes the messages a clear-history hid (picked up from the table's stream). */
  historyClearJob: (userId: string, roomId: string, jobId: string) => ({
    pk: `USER#${userId}`,
    sk: `HISTORY_CLEAR#${roomId}#${jobId}`,
  }),
  /**
   * Partition of the sparse purge GSI (gsi4): soft-deleted rooms, spread over `purgeShards`
   * partitions by room id so deletes from all users do not land on one index partition.
   */
  purgePartition: (shard: number) => `PURGE#${shard}`,
  purgeShardOf: (roomId: string) => hashOf(roomId) % purgeShards,
  purgeSortKey: (purgeAfter: string, userId: string, roomId: string) => `${purgeAfter}#${userId}#${roomId}`,
  /**
   * The same sparse index (gsi4), other partitions: live rooms by the time their retention is
   * next reviewed, sharded like the purge (a room is live or soft-deleted, never both, so it
   * sits in one family at a time).
   */
  reviewPartition: (shard: number) => `REVIEW#${shard}`,
  reviewSortKey: (reviewAt: string, userId: string, roomId: string) => `${reviewAt}#${userId}#${roomId}`,
  /** The user's settings (retention). */
  settings: (userId: string) => ({ pk: `USER#${userId}`, sk: 'SETTINGS' }),
  /**
   * The account's data-deletion watermark: everything of the user created at or before
   * `data_deleted_at` is hidden from every read (as clear-history hides messages).
   */
  account: (userId: string) => ({ pk: `USER#${userId}`, sk: 'ACCOUNT' }),
  /** A background job that physically deletes what an account deletion hid (picked up from the table's stream). */
  accountDeletionJob: (userId: string, jobId: string) => ({
    pk: `USER#${userId}`,
    sk: `ACCOUNT_DELETION#${jobId}`,
  }),
  /** The partition of every item of the user in a table with owner-first keys. */
  userPartition: (userId: string) => `USER#${userId}`,

  // ActiveStreams table
  stream: (userId: string, streamId: string) => ({ pk: `USER#${userId}`, sk: `STREAM#${streamId}` }),
  streamSlot: (userId: string, slot: number) => ({ pk: `USER#${userId}`, sk: `SLOT#${slot}` }),
  stopTombstone: (userId: string, target: { requestId: string } | { sessionId: string }) => ({
    pk: `USER#${userId}`,
    sk:
      'requestId' in target
        ? `TOMBSTONE#REQUEST#${target.requestId}`
        : `TOMBSTONE#SESSION#${target.sessionId}`,
  }),
  chatRequest: (userId: string, requestId: string) => ({ pk: `USER#${userId}`, sk: `REQUEST#${requestId}` }),

  // Connections table
  /** An open WebSocket connection of the user. */
  connection: (userId: string, connectionId: string) => ({
    pk: `USER#${userId}`,
    sk: `CONNECTION#${connectionId}`,
  }),
  /** One of the user's MAX_CONNECTIONS_PER_USER connection slots (held while `expires_at` is ahead). */
  connectionSlot: (userId: string, slot: number) => ({ pk: `USER#${userId}`, sk: `CONNECTION_SLOT#${slot}` }),
  /**
   * A chunk of a stream's log: the deltas from `firstSeq` on, as one flush wrote them. The seq is
   * zero-padded so the chunks of a stream sort in seq order.
   */
  streamLogChunk: (userId: string, streamId: string, firstSeq: number) => ({
    pk: `USER#${userId}`,
    sk: `LOG#${streamId}#${String(firstSeq).padStart(10, '0')}`,
  }),
  /** Bounds of a stream's log chunks in a Query (`~` sorts after every digit). */
  streamLogRange: (streamId: string, fromSeq = 1) => ({
    from: `LOG#${streamId}#${String(fromSeq).padStart(10, '0')}`,
    to: `LOG#${streamId}#~`,
  }),
  /**
   * The sparse running-streams index (streams table gsi1): only running streams carry it, sorted
   * by lease expiry, sharded by stream id, so the sweep finds lapsed ones with a Query (no Scan).
   */
  runningPartition: (shard: number) => `RUNNING#${shard}`,
  runningShardOf: (streamId: string) => hashOf(streamId) % runningShards,
  /** `<lease_expires_at, 13 digits>#<sub>#<stream_id>` (a sub never holds `#`). */
  runningSortKey: (leaseExpiresAt: number, userId: string, streamId: string) =>
    `${String(leaseExpiresAt).padStart(13, '0')}#${userId}#${streamId}`,

  // Audit table
  auditEvent: (userId: string, at: string, eventId: string) => ({
    pk: `USER#${userId}`,
    sk: `EVENT#${at}#${eventId}`,
  }),
} as const;

/** How many partitions the running-streams index is spread over (raising it is safe; lowering strands streams until their TTL). */
export const runningShards = 8;

/** How many partitions the purge GSI is spread over. Raising it is safe; lowering it strands rooms in the dropped shards. */
export const purgeShards = 8;

export const keyPrefixes = {
  room: 'ROOM#',
  session: 'SESSION#',
  message: 'MSG#',
  historyClearJob: 'HISTORY_CLEAR#',
  accountDeletionJob: 'ACCOUNT_DELETION#',
  auditEvent: 'EVENT#',
  stream: 'STREAM#',
  slot: 'SLOT#',
  chatRequest: 'REQUEST#',
  connection: 'CONNECTION#',
  connectionSlot: 'CONNECTION_SLOT#',
  streamLog: 'LOG#',
} as const;

/**
 * The condition of every write that needs the room to be live (it exists and is not
 * soft-deleted); its value `:false` must be in the write's ExpressionAttributeValues.
 */
export const liveRoomCondition = 'attribute_exists(pk) AND is_deleted = :false';

/**
 * The top of a `BETWEEN` range over sort keys that begin with `prefix` (which ends with its
 * separator): no key of another kind sorts between `prefix` and this, so a range query bounded
 * by it can never read back a foreign item, whatever else shares the partition. (DynamoDB orders
 * strings by their UTF-8 bytes; U+10FFFF is the highest code point.)
 */
export const endOfPrefix = (prefix: string): string => `${prefix}\u{10FFFF}`;
