import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { SessionRepository } from '../domain/sessions/ports';
import { sessionItemSchema } from '../schemas/sessions';
import { keys, liveRoomCondition } from './keys';
import { conditionFailed, transactWrite } from './transactions';

/** A session item stays a day past its expiry (answering 410, not 404), then TTL removes it. */
const SESSION_TTL_GRACE_SECONDS = 24 * 3600;
/** A history-deletion job left undone (its stream handler failing for good) is dropped after this. */
const HISTORY_JOB_TTL_SECONDS = 7 * 24 * 3600;

/** A write's check that the session is still active: not past its lifetime, not idle. */
const ACTIVE_CONDITION = 'attribute_exists(pk) AND expires_at > :now AND last_activity > :idleCutoff';

/**
 * Sessions in the chat table (`USER#<sub>` / `SESSION#<session_id>`), and the clear-history
 * transaction that joins a session, its room's watermark and a deletion job.
 */
export function createSessionRepository(
  client: DynamoDBDocumentClient,
  tableName: string,
): SessionRepository {
  const TableName = tableName;

  const create: SessionRepository['create'] = async (session, expiresAt) => {
    const result = await transactWrite(client, {
      TransactItems: [
        {
          ConditionCheck: {
            TableName,
            Key: keys.room(session.user_id, session.room_id),
            ConditionExpression: liveRoomCondition,
            ExpressionAttributeValues: { ':false': false },
          },
        },
        {
          Put: {
            TableName,
            Item: {
              ...keys.session(session.user_id, session.session_id),
              entity: 'SESSION',
              ...session,
              ttl: toEpochSeconds(expiresAt) + SESSION_TTL_GRACE_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    if (result.committed) return 'created';
    if (conditionFailed(result, 0)) return 'room-not-found';
    throw new Error(`session create cancelled: ${result.reasons.join(',')}`);
  };

  const find: SessionRepository['find'] = async (userId, sessionId) => {
    const { Item } = await client.send(
      new GetCommand({ TableName, Key: keys.session(userId, sessionId), ConsistentRead: true }),
    );
    return Item ? sessionItemSchema.parse(Item) : undefined;
  };

  const resetMemory: SessionRepository['resetMemory'] = async (userId, sessionId, change) => {
    const names: Record<string, string> = {};
    const sets = change.agents.map((agent, index) => {
      names[`#agent${index}`] = agent;
      return `agents.#agent${index} = :state`;
    });
    try {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.session(userId, sessionId),
          UpdateExpression: `SET ${sets.join(', ')}, last_activity = :at`,
          ConditionExpression: ACTIVE_CONDITION,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':state': { memory_reset_at: change.at },
            ':at': change.at,
            ':now': change.activeAt.now,
            ':idleCutoff': change.activeAt.idleCutoff,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };

  const clearHistory: SessionRepository['clearHistory'] = async (command) => {
    const { userId, roomId, agentType, at } = command;
    const job = keys.historyClearJob(userId, roomId, command.jobId);
    const result = await transactWrite(client, {
      TransactItems: [
        {
          Update: {
            TableName,
            Key: keys.session(userId, command.sessionId),
            UpdateExpression: 'SET last_activity = :at',
            ConditionExpression: ACTIVE_CONDITION,
            ExpressionAttributeValues: {
              ':at': at,
              ':now': command.activeAt.now,
              ':idleCutoff': command.activeAt.idleCutoff,
            },
          },
        },
        {
          Update: {
            TableName,
            Key: keys.room(userId, roomId),
            // Every agent: the count and preview restart with the history. One agent: see
            // delete-cleared-history.ts for the count; the preview hides itself (room-view.ts).
            UpdateExpression:
              agentType === undefined
                ? 'SET history_cleared_at = :at, message_count = :zero, last_message_preview = :none'
                : 'SET agent_history_cleared_at.#agent = :at',
            ConditionExpression: liveRoomCondition,
            ...(agentType === undefined ? {} : { ExpressionAttributeNames: { '#agent': agentType } }),
            ExpressionAttributeValues: {
              ':at': at,
              ':false': false,
              ...(agentType === undefined ? { ':zero': 0, ':none': null } : {}),
            },
          },
        },
        {
          Put: {
            TableName,
            Item: {
              ...job,
              entity: 'HISTORY_CLEAR_JOB',
              user_id: userId,
              room_id: roomId,
              cleared_up_to: at,
              ...(agentType === undefined ? {} : { agent_type: agentType }),
              ttl: toEpochSeconds(new Date(at)) + HISTORY_JOB_TTL_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    if (result.committed) return 'cleared';
    if (conditionFailed(result, 0)) return 'session-inactive';
    if (conditionFailed(result, 1)) return 'room-gone';
    return 'contention';
  };

  const remove: SessionRepository['delete'] = async (userId, sessionId) => {
    try {
      await client.send(
        new DeleteCommand({
          TableName,
          Key: keys.session(userId, sessionId),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };

  return { create, find, resetMemory, clearHistory, delete: remove };
}
