import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { invalidCursor } from '../domain/cursor';
import type { MessagePosition, MessageRepository } from '../domain/rooms/ports';
import { type Message, messageItemSchema } from '../schemas/messages';
import { batchDelete } from './batch';
import { endOfPrefix, keyPrefixes, keys } from './keys';

/**
 * Messages of a room: partition `USER#<sub>#ROOM#<room_id>`, sort key `MSG#<created_at>#<id>`,
 * created_at being `Date.toISOString()` (fixed width, so text order is time order).
 *
 * A clear-history watermark W hides messages created at or before W. For the all-agents
 * watermark (and the requested agent's) that is a key condition, `sk > MSG#<W>$` ('$' sorts
 * right after '#', so every `MSG#<W>#...` is below it and every later time above), so hidden
 * messages cost no reads. Other agents' watermarks are a filter.
 */
const MAX_PAGES_PER_REQUEST = 10;

const storedMessageSchema = messageItemSchema.extend({ sk: z.string() });
const keyOnlySchema = z.object({ pk: z.string(), sk: z.string(), created_at: z.string() });

/** The shape of every message sort key (`MSG#<ISO time>#<message id>`). */
const MESSAGE_SORT_KEY = /^MSG#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[\x21-\x7E]{1,256}$/;
/** The lowest sort key above every message created at or before `time`. */
const afterTime = (time: string) => `${keyPrefixes.message}${time}$`;

export function createMessageRepository(
  client: DynamoDBDocumentClient,
  tableName: string,
): MessageRepository {
  const TableName = tableName;

  const page: MessageRepository['page'] = async (userId, roomId, query) => {
    const partition = keys.messagePartition(userId, roomId);
    const agentMark = query.agentType === undefined ? undefined : query.watermarks.byAgent[query.agentType];
    const marks = [query.watermarks.all, agentMark].filter((mark): mark is string => mark !== undefined);
    const latestMark = marks.sort().at(-1);
    const lowest = latestMark === undefined ? undefined : afterTime(latestMark);

    // A cursor's position must be a message key (`MSG#<ISO time>#<id>`): DynamoDB refuses a start
    // key outside the key condition, and a hand-made one must be a 400, not a 500.
    if (query.after && !MESSAGE_SORT_KEY.test(query.after.sort_key)) throw invalidCursor();
    let startKey: Record<string, unknown> | undefined = query.after
      ? { pk: partition, sk: query.after.sort_key }
      : undefined;
    // A cursor made before a clear can point below the new watermark: DynamoDB rejects a start
    // key outside the key condition, so start at the watermark (asc) or stop (desc: all is hidden).
    if (startKey && lowest !== undefined && query.after && query.after.sort_key < lowest) {
      if (query.order === 'desc') return { messages: [], next: undefined };
      startKey = undefined;
    }

    const names: Record<string, string> = { '#pk': 'pk', '#sk': 'sk' };
    const values: Record<string, unknown> = { ':pk': partition };
    let keyCondition = '#pk = :pk AND begins_with(#sk, :prefix)';
    if (lowest !== undefined) {
      // Bounded above too: `sk > :lowest` alone would also read every key sorting after `MSG#`.
      keyCondition = '#pk = :pk AND #sk BETWEEN :lowest AND :highest';
      values[':lowest'] = lowest;
      values[':highest'] = endOfPrefix(keyPrefixes.message);
    } else {
      values[':prefix'] = keyPrefixes.message;
    }
    const filters: string[] = [];
    if (query.agentType !== undefined) {
      filters.push('agent_type = :agent');
      values[':agent'] = query.agentType;
    } else {
      Object.entries(query.watermarks.byAgent).forEach(([agent, mark], index) => {
        if (query.watermarks.all !== undefined && mark <= query.watermarks.all) return;
        filters.push(`NOT (agent_type = :hiddenAgent${index} AND created_at <= :hiddenUpTo${index})`);
        values[`:hiddenAgent${index}`] = agent;
        values[`:hiddenUpTo${index}`] = mark;
      });
    }

    const request: QueryCommandInput = {
      TableName,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ScanIndexForward: query.order === 'asc',
      // One more than the page: whether it comes back is whether there is a next page.
      Limit: query.limit + 1,
    };
    const found: z.output<typeof storedMessageSchema>[] = [];
    let pages = 0;
    do {
      const result = await client.send(
        new QueryCommand({ ...request, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      found.push(...(result.Items ?? []).map((item) => storedMessageSchema.parse(item)));
      startKey = result.LastEvaluatedKey;
      pages += 1;
    } while (startKey && found.length <= query.limit && pages < MAX_PAGES_PER_REQUEST);

    const messages = found.slice(0, query.limit);
    let next: MessagePosition | undefined;
    if (found.length > query.limit) next = { sort_key: found[query.limit - 1]?.sk ?? '' };
    // Filters can leave pages empty: after a bounded number of reads, answer what was found and
    // continue from where the reads stopped.
    else if (startKey) next = { sort_key: z.object({ sk: z.string() }).parse(startKey).sk };
    return { messages: messages.map(({ sk: _sk, ...message }): Message => message), next };
  };

  /** Deletes what a query finds, page by page (keys only); returns the created_at of each. */
  async function deleteFound(request: QueryCommandInput): Promise<string[]> {
    const deleted: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await client.send(
        new QueryCommand({
          ...request,
          ProjectionExpression: '#pk, #sk, created_at',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const items = (result.Items ?? []).map((item) => keyOnlySchema.parse(item));
      await batchDelete(
        client,
        TableName,
        items.map(({ pk, sk }) => ({ pk, sk })),
      );
      deleted.push(...items.map((item) => item.created_at));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  }

  const deleteUpTo: MessageRepository['deleteUpTo'] = (userId, roomId, scope) =>
    deleteFound({
      TableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: {
        ':pk': keys.messagePartition(userId, roomId),
        ':first': keyPrefixes.message,
        ':last': afterTime(scope.upTo),
        ...(scope.agentType !== undefined ? { ':agent': scope.agentType } : {}),
      },
      ...(scope.agentType !== undefined ? { FilterExpression: 'agent_type = :agent' } : {}),
    });

  const deleteAll: MessageRepository['deleteAll'] = async (userId, roomId) =>
    (
      await deleteFound({
        TableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: {
          ':pk': keys.messagePartition(userId, roomId),
          ':prefix': keyPrefixes.message,
        },
      })
    ).length;

  return { page, deleteUpTo, deleteAll };
}
