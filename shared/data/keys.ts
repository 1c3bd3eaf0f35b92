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
    sk: `MSG#${createdAt}#${messageId}`,
  }),

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
} as const;

export const keyPrefixes = {
  room: 'ROOM#',
  session: 'SESSION#',
  message: 'MSG#',
  stream: 'STREAM#',
  slot: 'SLOT#',
} as const;
