import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createLocalDynamoDbClient } from '../../local/dynamodb-local';
import { ensureTables } from '../../local/dynamodb-tables';
import { createActiveStreamsRepository } from '../../shared/data/active-streams-repository';
import { createHistoryClearJobRepository } from '../../shared/data/history-clear-job-repository';
import { keys } from '../../shared/data/keys';
import { createMessageRepository } from '../../shared/data/message-repository';
import { createRoomRepository } from '../../shared/data/room-repository';
import { createSessionRepository } from '../../shared/data/session-repository';
import { chatTable } from '../../shared/data/table-definitions';
import { type Clock, systemClock } from '../../shared/domain/clock';
import type { RoomDeps, StreamCanceller, StreamScope } from '../../shared/domain/rooms/ports';
import type { SessionDeps } from '../../shared/domain/sessions/ports';
import { sessionPolicy } from '../../shared/domain/sessions/session-policy';
import type { Message } from '../../shared/schemas/messages';

/** Integration tests: the test run's DynamoDB Local (test/setup/test-env.ts set the env). */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test in the integration or e2e project`);
  return value;
}

export const chatTableName = (): string => required('CHAT_TABLE_NAME');
export const streamsTableName = (): string => required('STREAMS_TABLE_NAME');

let client: DynamoDBDocumentClient | undefined;
export function testDocumentClient(): DynamoDBDocumentClient {
  client ??= DynamoDBDocumentClient.from(createLocalDynamoDbClient(required('DYNAMODB_ENDPOINT')), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return client;
}

/** A user no other test touches. */
export const newUser = (name = 'user'): string => `${name}-${randomUUID().slice(0, 8)}`;

/** A StreamCanceller that records what it was asked to cancel. */
export function recordingCanceller(): StreamCanceller & {
  readonly calls: { userId: string; scope: StreamScope }[];
} {
  const calls: { userId: string; scope: StreamScope }[] = [];
  return {
    calls,
    async cancelStreams(userId, scope) {
      calls.push({ userId, scope });
      return [];
    },
  };
}

let ids = 0;
const testId = () => `${Date.now().toString(36)}${(ids++).toString(36)}${randomUUID().slice(0, 8)}`;

/** The room use cases' dependencies on the real DynamoDB adapters, with an injected clock. */
export function roomDeps(clock: Clock, overrides: Partial<RoomDeps> = {}, table = chatTableName()): RoomDeps {
  const documentClient = testDocumentClient();
  return {
    rooms: createRoomRepository(documentClient, table),
    messages: createMessageRepository(documentClient, table),
    streams: recordingCanceller(),
    clock,
    policy: { maxLiveRooms: 50, createsPerHour: 1000 },
    newId: testId,
    ...overrides,
  };
}

export function sessionDeps(clock: Clock, overrides: Partial<SessionDeps> = {}): SessionDeps {
  const documentClient = testDocumentClient();
  return {
    sessions: createSessionRepository(documentClient, chatTableName()),
    rooms: createRoomRepository(documentClient, chatTableName()),
    streams: recordingCanceller(),
    clock,
    policy: sessionPolicy,
    newId: testId,
    ...overrides,
  };
}

export function maintenanceDeps(clock: Clock, table = chatTableName()) {
  const documentClient = testDocumentClient();
  return {
    rooms: createRoomRepository(documentClient, table),
    messages: createMessageRepository(documentClient, table),
    jobs: createHistoryClearJobRepository(documentClient, table),
    clock,
  };
}

export interface MessageSpec {
  readonly created_at: string;
  readonly agent_type?: string;
  readonly role?: Message['role'];
  readonly session_id?: string;
}

/**
 * Stores messages as the chat stream does (key layout of docs/architecture.md) and moves the
 * room's activity, count and preview on, as its writes do.
 */
export async function seedMessages(
  userId: string,
  roomId: string,
  specs: readonly MessageSpec[],
  table = chatTableName(),
): Promise<Message[]> {
  const documentClient = testDocumentClient();
  const messages: Message[] = [];
  for (const [index, spec] of specs.entries()) {
    const message: Message = {
      message_id: `msg_${testId()}`,
      room_id: roomId,
      session_id: spec.session_id ?? 'sess_seeded',
      role: spec.role ?? (index % 2 === 0 ? 'user' : 'assistant'),
      agent_type: spec.agent_type ?? 'general',
      content: `message ${index}`,
      status: 'complete',
      created_at: spec.created_at,
    };
    await documentClient.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.message(userId, roomId, message.created_at, message.message_id),
          user_id: userId,
          ...message,
        },
      }),
    );
    messages.push(message);
  }
  const last = messages.at(-1);
  if (last) {
    await documentClient.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.room(userId, roomId),
        UpdateExpression:
          'SET last_activity = :at, gsi1sk = :activityKey, message_count = message_count + :count, ' +
          'last_message_preview = :preview, last_message_at = :at, last_message_agent_type = :agent',
        ConditionExpression: 'is_deleted = :false',
        ExpressionAttributeValues: {
          ':at': last.created_at,
          ':activityKey': keys.roomListSortKey(last.created_at, roomId),
          ':count': messages.length,
          ':preview': last.content,
          ':agent': last.agent_type,
          ':false': false,
        },
      }),
    );
  }
  return messages;
}

/** Moves a room's last_activity as the chat stream's writes do (attribute and gsi1 sort key). */
export async function touchRoom(userId: string, roomId: string, at: string): Promise<void> {
  await testDocumentClient().send(
    new UpdateCommand({
      TableName: chatTableName(),
      Key: keys.room(userId, roomId),
      UpdateExpression: 'SET last_activity = :at, gsi1sk = :key',
      ExpressionAttributeValues: { ':at': at, ':key': keys.roomListSortKey(at, roomId) },
    }),
  );
}

async function queryAll(tableName: string, pk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await testDocumentClient().send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every item of a user: their partition, each room's messages and their streams. For "changes nothing". */
export async function userItems(userId: string): Promise<Record<string, unknown>[]> {
  const own = await queryAll(chatTableName(), `USER#${userId}`);
  const roomIds = own
    .filter((item) => String(item.sk).startsWith('ROOM#'))
    .map((item) => String(item.room_id));
  const messages = await Promise.all(
    roomIds.map((roomId) => queryAll(chatTableName(), keys.messagePartition(userId, roomId))),
  );
  const streams = await queryAll(streamsTableName(), `USER#${userId}`);
  return [...own, ...messages.flat(), ...streams];
}

/** The messages physically stored in a room (whatever the watermarks hide). */
export const storedMessages = (userId: string, roomId: string, table = chatTableName()) =>
  queryAll(table, keys.messagePartition(userId, roomId));

/** Items of one kind in the user's partition, by sort-key prefix. */
export const userItemsWithPrefix = async (userId: string, prefix: string, table = chatTableName()) =>
  (await queryAll(table, `USER#${userId}`)).filter((item) => String(item.sk).startsWith(prefix));

/**
 * A chat table of its own, for tests of table-wide jobs (the purge finds every due room in the
 * table, so it must not see the rooms of tests running beside it).
 */
export async function isolatedChatTable(): Promise<string> {
  const name = `isolated-${randomUUID().slice(0, 8)}-${chatTable.localName}`;
  const raw = createLocalDynamoDbClient(required('DYNAMODB_ENDPOINT'));
  try {
    await ensureTables(raw, [{ definition: chatTable, name }]);
  } finally {
    raw.destroy();
  }
  return name;
}

/** The streaming engineer's ActiveStreams adapter, on the test tables, with the system clock (as the handlers use). */
export function activeStreams() {
  return createActiveStreamsRepository({
    client: testDocumentClient(),
    tableName: streamsTableName(),
    clock: systemClock,
    maxLiveStreams: 5,
    leaseSeconds: 300,
  });
}

/** Registers a live stream in a room and session, as the chat stream does before its first token. */
export async function startLiveStream(
  userId: string,
  ids: { roomId: string; sessionId: string },
): Promise<string> {
  const streams = activeStreams();
  const requestId = `req-${randomUUID()}`;
  const streamId = `stream-${randomUUID()}`;
  const requestedAt = new Date();
  const admission = await streams.admission(userId, { sessionId: ids.sessionId, requestId, requestedAt });
  await streams.register(
    {
      userId,
      streamId,
      requestId,
      sessionId: ids.sessionId,
      roomId: ids.roomId,
      agentType: 'general',
      messageId: `msg-${randomUUID()}`,
      requestedAt,
      deadlineAt: new Date(requestedAt.getTime() + 600_000),
      sessionCreatedAt: requestedAt.toISOString(),
    },
    admission,
  );
  return streamId;
}

/** Whether a stream now carries a stop request. */
export async function isCancelRequested(userId: string, streamId: string): Promise<boolean> {
  const stream = await activeStreams().getStream(userId, streamId);
  return stream?.cancel !== undefined;
}
