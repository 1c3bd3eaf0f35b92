import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ChatContext } from '../domain/chat/ports';
import { messageItemSchema } from '../schemas/messages';
import { roomItemSchema } from '../schemas/rooms';
import { sessionItemSchema } from '../schemas/sessions';
import { accountItemSchema, hiddenByAccountDeletion } from './account-watermark';
import { batchGetConsistent } from './batch';
import { keyPrefixes, keys } from './keys';

export interface ChatContextReaderOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** How many of the room's latest messages to read for the model's context. @default 50 */
  readonly recentMessages?: number;
}

/**
 * The chat stream's first round trip on the chat table: the session and the room in one
 * strongly consistent BatchGetItem, and in parallel the room's latest messages (one Query,
 * newest first; the domain keeps the agent's turns after its memory reset and the watermarks).
 * Items are parsed with the rooms/sessions/messages schemas, never cast.
 */
export function createChatContextReader(options: ChatContextReaderOptions) {
  const { client, tableName: TableName } = options;
  const limit = options.recentMessages ?? 50;

  async function sessionAndRoom(userId: string, sessionId: string, roomId: string) {
    const sessionKey = keys.session(userId, sessionId);
    const roomKey = keys.room(userId, roomId);
    const accountKey = keys.account(userId);
    const items = await batchGetConsistent(client, TableName, [sessionKey, roomKey, accountKey]);
    const find = (sk: string) => items.find((item) => item.sk === sk);
    const account = find(accountKey.sk);
    // An account deletion hides what it covers at once: the chat sees neither session nor room.
    const watermark = account ? accountItemSchema.parse(account).data_deleted_at : undefined;
    const visible = (item: Record<string, unknown> | undefined) =>
      item && !hiddenByAccountDeletion(z.string().parse(item.created_at), watermark) ? item : undefined;
    const session = visible(find(sessionKey.sk));
    const room = visible(find(roomKey.sk));
    return {
      ...(session ? { session: sessionItemSchema.parse(session) } : {}),
      ...(room ? { room: roomItemSchema.parse(room) } : {}),
    };
  }

  async function recentMessages(userId: string, roomId: string) {
    const result = await client.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.messagePartition(userId, roomId),
          ':prefix': keyPrefixes.message,
        },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => messageItemSchema.parse(item));
  }

  return {
    async loadChatContext(userId: string, ids: { sessionId: string; roomId: string }): Promise<ChatContext> {
      const [found, messages] = await Promise.all([
        sessionAndRoom(userId, ids.sessionId, ids.roomId),
        recentMessages(userId, ids.roomId),
      ]);
      return { ...found, recentMessages: messages };
    },
  };
}
