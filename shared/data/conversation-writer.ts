import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MessageToRecord, RecordOutcome } from '../domain/chat/ports';
import { firstReviewAt } from '../domain/rooms/room-policy';
import { keys, liveRoomCondition } from './keys';
import { reviewKeys } from './room-repository';
import { transactWrite } from './transactions';

export interface ConversationWriterOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** Characters (code points) of a message kept as the room's `last_message_preview`. */
export const PREVIEW_CHARACTERS = 100;

export const previewOf = (content: string): string =>
  [...content.replace(/\s+/g, ' ').trim()].slice(0, PREVIEW_CHARACTERS).join('');

/**
 * Writes the two messages of a chat answer, each once, each in one transaction with the room
 * and session bookkeeping:
 *
 * 0. Put the message (`attribute_not_exists`: its id is derived from the stream id, so a retried
 *    write meets its own item and counts as done);
 * 1. Update the room — `message_count + 1`, `last_activity` and its `gsi1sk`, the preview — on
 *    condition that it is live, that no history clear (all agents, or this agent) happened at or
 *    after the request arrived, and that no delete ended the session since it began;
 * 2. Update the session's `last_activity` (the question also sets `active_stream_id`, and
 *    requires the session to be active; the answer only requires it to exist).
 *
 * A failed condition on 1 or 2 is `gone`: the message is dropped, nothing is brought back.
 * Timeline of the race this closes: stream reads room (live) → user deletes the room, the stream
 * is flagged → the stream's last answer write arrives → condition 1 fails → nothing written.
 */
export function createConversationWriter(options: ConversationWriterOptions) {
  const { client, tableName: TableName } = options;

  async function recordMessage(record: MessageToRecord): Promise<RecordOutcome> {
    const { userId, message, activeAt } = record;
    const preview = previewOf(message.content);
    const review = reviewKeys(userId, message.room_id, firstReviewAt(message.created_at));
    const result = await transactWrite(client, {
      TransactItems: [
        {
          Put: {
            TableName,
            Item: {
              ...keys.message(userId, message.room_id, message.created_at, message.message_id),
              user_id: userId,
              ...message,
              stream_id: record.streamId,
              request_id: record.requestId,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName,
            Key: keys.room(userId, message.room_id),
            // The retention review follows the activity (gsi4 REVIEW#: the room is live, the condition says so).
            UpdateExpression: `SET last_activity = :at, gsi1sk = :gsi1sk, gsi4pk = :reviewPartition, gsi4sk = :reviewKey${
              preview
                ? ', last_message_preview = :preview, last_message_at = :at, last_message_agent_type = :agent'
                : ''
            } ADD message_count :one`,
            ConditionExpression: [
              liveRoomCondition,
              '(attribute_not_exists(history_cleared_at) OR attribute_type(history_cleared_at, :null) OR history_cleared_at < :requestedAt)',
              '(attribute_not_exists(agent_history_cleared_at.#agent) OR agent_history_cleared_at.#agent < :requestedAt)',
              '(attribute_not_exists(sessions_ended_at) OR attribute_type(sessions_ended_at, :null) OR sessions_ended_at < :sessionCreatedAt)',
            ].join(' AND '),
            ExpressionAttributeNames: { '#agent': message.agent_type },
            ExpressionAttributeValues: {
              ':at': message.created_at,
              ':gsi1sk': keys.roomListSortKey(message.created_at, message.room_id),
              ':reviewPartition': review.gsi4pk,
              ':reviewKey': review.gsi4sk,
              ':one': 1,
              ':false': false,
              ':null': 'NULL',
              ':requestedAt': record.requestedAt,
              ':sessionCreatedAt': record.sessionCreatedAt,
              ...(preview ? { ':preview': preview, ':agent': message.agent_type } : {}),
            },
          },
        },
        {
          Update: {
            TableName,
            Key: keys.session(userId, message.session_id),
            UpdateExpression: `SET last_activity = :at${activeAt ? ', active_stream_id = :streamId' : ''}`,
            ConditionExpression: activeAt
              ? 'attribute_exists(pk) AND expires_at > :now AND last_activity > :idleCutoff'
              : 'attribute_exists(pk)',
            ExpressionAttributeValues: {
              ':at': message.created_at,
              ...(activeAt
                ? { ':streamId': record.streamId, ':now': activeAt.now, ':idleCutoff': activeAt.idleCutoff }
                : {}),
            },
          },
        },
        {
          // An account deletion at or after the request's arrival: the room is being purged in the
          // background, so nothing may be added to it (it would outlive the purge).
          ConditionCheck: {
            TableName,
            Key: keys.account(userId),
            ConditionExpression: 'attribute_not_exists(data_deleted_at) OR data_deleted_at < :requestedAt',
            ExpressionAttributeValues: { ':requestedAt': record.requestedAt },
          },
        },
      ],
    });
    if (result.committed) return 'recorded';
    const [messageReason, roomReason, sessionReason, accountReason] = result.reasons;
    if (
      roomReason === 'ConditionalCheckFailed' ||
      sessionReason === 'ConditionalCheckFailed' ||
      accountReason === 'ConditionalCheckFailed'
    )
      return 'gone';
    if (messageReason === 'ConditionalCheckFailed') return 'recorded';
    throw new Error(`Message transaction cancelled: ${result.reasons.join(',')}`);
  }

  async function releaseSession(userId: string, sessionId: string, streamId: string): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.session(userId, sessionId),
          UpdateExpression: 'REMOVE active_stream_id',
          ConditionExpression: 'active_stream_id = :streamId',
          ExpressionAttributeValues: { ':streamId': streamId },
        }),
      );
    } catch (error) {
      // A later stream of the session took it over, or the session is gone: nothing to clear.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return { recordMessage, releaseSession };
}
