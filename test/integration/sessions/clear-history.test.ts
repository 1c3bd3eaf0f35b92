import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as deleteClearedHistoryHandler } from '../../../functions/maintenance/delete-cleared-history';
import { handler as createRoomHandler } from '../../../functions/rooms/create-room';
import { handler as getRoomHandler } from '../../../functions/rooms/get-room';
import { handler as historyHandler } from '../../../functions/rooms/get-room-history';
import { handler as clearHistoryHandler } from '../../../functions/sessions/clear-session-history';
import { handler as createSessionHandler } from '../../../functions/sessions/create-session';
import { createLocalDynamoDbClient } from '../../../local/dynamodb-local';
import { createRoomRepository } from '../../../shared/data/room-repository';
import { createSessionRepository } from '../../../shared/data/session-repository';
import { ManualClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { clearSessionHistory } from '../../../shared/domain/sessions/clear-history';
import { createSession } from '../../../shared/domain/sessions/create-session';
import { invoke, testContext } from '../../support/api-event';
import {
  chatTableName,
  isCancelRequested,
  newUser,
  roomDeps,
  seedMessages,
  sessionDeps,
  startLiveStream,
  storedMessages,
  userItems,
  userItemsWithPrefix,
} from '../../support/rooms-fixtures';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const recent = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

async function roomAndSession(sub: string) {
  const room = (await invoke(createRoomHandler, { method: 'POST', sub, body: { room_name: 'to clear' } }))
    .body.data;
  const session = (
    await invoke(createSessionHandler, { method: 'POST', sub, body: { room_id: room.room_id } })
  ).body.data;
  return { roomId: room.room_id as string, sessionId: session.session_id as string };
}

const clear = (
  sub: string,
  sessionId: string,
  options: { body?: unknown; query?: Record<string, string> } = {},
) =>
  invoke(clearHistoryHandler, {
    method: 'DELETE',
    sub,
    pathParameters: { session_id: sessionId },
    ...options,
  });

const visible = async (sub: string, roomId: string) =>
  (await invoke(historyHandler, { sub, pathParameters: { room_id: roomId }, query: { order: 'asc' } })).body
    .data.messages as { message_id: string; agent_type: string }[];

/** Runs the background deletion for every pending job of the user, as the table's stream would deliver them. */
async function runPendingJobs(sub: string) {
  const jobs = await userItemsWithPrefix(sub, 'HISTORY_CLEAR#');
  const event: DynamoDBStreamEvent = {
    Records: jobs.map((job, index) => ({
      eventName: 'INSERT',
      dynamodb: {
        Keys: { pk: { S: String(job.pk) }, sk: { S: String(job.sk) } },
        SequenceNumber: String(index + 1),
      },
    })),
  };
  return { jobs, result: await deleteClearedHistoryHandler(event, testContext('history')) };
}

describe('DELETE /api/session/{session_id}/history', () => {
  it("hides the whole room's history at once; the background job then deletes it, and only it", async () => {
    const alice = newUser('alice');
    const { roomId, sessionId } = await roomAndSession(alice);
    await seedMessages(alice, roomId, [
      { created_at: recent(30) },
      { created_at: recent(20), agent_type: 'nutrition' },
    ]);

    const response = await clear(alice, sessionId);
    const shownAtOnce = await visible(alice, roomId);
    const storedBeforeJob = await storedMessages(alice, roomId);
    const later = await seedMessages(alice, roomId, [
      { created_at: new Date(Date.now() + 1000).toISOString() },
    ]);
    const { jobs, result } = await runPendingJobs(alice);

    expect(response).toMatchObject({
      status: 200,
      body: { data: { session_id: sessionId, room_id: roomId, cleared: true } },
    });
    expect(shownAtOnce).toEqual([]);
    expect(storedBeforeJob).toHaveLength(2);
    expect(jobs).toHaveLength(1);
    expect(result).toEqual({ batchItemFailures: [] });
    expect((await storedMessages(alice, roomId)).map((item) => item.message_id)).toEqual([
      later[0]?.message_id,
    ]);
    expect(await userItemsWithPrefix(alice, 'HISTORY_CLEAR#')).toEqual([]);
  });

  it("clears one agent's history (body or query), leaving the others'; the job takes them off message_count", async () => {
    const alice = newUser('alice');
    const { roomId, sessionId } = await roomAndSession(alice);
    const seeded = await seedMessages(alice, roomId, [
      { created_at: recent(40), agent_type: 'medication' },
      { created_at: recent(30), agent_type: 'general' },
      { created_at: recent(20), agent_type: 'medication' },
    ]);

    const byQuery = await clear(alice, sessionId, { query: { agent_type: 'medication' } });
    const shown = await visible(alice, roomId);
    await runPendingJobs(alice);
    const room = (await invoke(getRoomHandler, { sub: alice, pathParameters: { room_id: roomId } })).body
      .data;

    expect(byQuery.status).toBe(200);
    expect(shown.map((message) => message.message_id)).toEqual([seeded[1]?.message_id]);
    expect((await storedMessages(alice, roomId)).map((item) => item.message_id)).toEqual([
      seeded[1]?.message_id,
    ]);
    expect(room.message_count).toBe(1);
  });

  it('does nothing more when the same job comes again (streams deliver at least once)', async () => {
    const alice = newUser('alice');
    const { roomId, sessionId } = await roomAndSession(alice);
    await seedMessages(alice, roomId, [{ created_at: recent(10), agent_type: 'general' }]);
    await clear(alice, sessionId, { body: { agent_type: 'general' } });
    const jobs = await userItemsWithPrefix(alice, 'HISTORY_CLEAR#');
    const event: DynamoDBStreamEvent = {
      Records: [
        {
          eventName: 'INSERT',
          dynamodb: {
            Keys: { pk: { S: String(jobs[0]?.pk) }, sk: { S: String(jobs[0]?.sk) } },
            SequenceNumber: '1',
          },
        },
      ],
    };

    await deleteClearedHistoryHandler(event, testContext('history'));
    const roomAfterFirst = await userItemsWithPrefix(alice, 'ROOM#');
    const second = await deleteClearedHistoryHandler(event, testContext('history'));

    expect(second).toEqual({ batchItemFailures: [] });
    expect(await userItemsWithPrefix(alice, 'ROOM#')).toEqual(roomAfterFirst);
    expect(roomAfterFirst[0]?.message_count).toBe(0);
  });

  it('ignores stream records that are not new history jobs', async () => {
    const alice = newUser('alice');
    const { roomId } = await roomAndSession(alice);
    await seedMessages(alice, roomId, [{ created_at: recent(10) }]);

    const result = await deleteClearedHistoryHandler(
      {
        Records: [
          {
            eventName: 'MODIFY',
            dynamodb: { Keys: { pk: { S: `USER#${alice}` }, sk: { S: `ROOM#${roomId}` } } },
          },
          {
            eventName: 'REMOVE',
            dynamodb: { Keys: { pk: { S: `USER#${alice}` }, sk: { S: 'HISTORY_CLEAR#x#y' } } },
          },
        ],
      },
      testContext('history'),
    );

    expect(result).toEqual({ batchItemFailures: [] });
    expect(await storedMessages(alice, roomId)).toHaveLength(1);
  });

  it("stops the room's live streams", async () => {
    const alice = newUser('alice');
    const { roomId, sessionId } = await roomAndSession(alice);
    const stream = await startLiveStream(alice, { roomId, sessionId: 'sess_other_device' });

    await clear(alice, sessionId);

    expect(await isCancelRequested(alice, stream)).toBe(true);
  });

  it.each([
    ['an unknown agent in the body', { body: { agent_type: 'surgeon' } }, 'body.agent_type'],
    ['an unknown agent in the query', { query: { agent_type: 'surgeon' } }, 'query.agent_type'],
    [
      'different agents in body and query',
      { body: { agent_type: 'general' }, query: { agent_type: 'medication' } },
      'query.agent_type',
    ],
    ['an unknown body field', { body: { everything: true } }, 'body'],
  ])('answers 400 for %s and changes nothing', async (_case, options, path) => {
    const alice = newUser('alice');
    const { roomId, sessionId } = await roomAndSession(alice);
    await seedMessages(alice, roomId, [{ created_at: recent(10) }]);
    const before = await userItems(alice);

    const response = await clear(alice, sessionId, options);

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe(path);
    expect(await userItems(alice)).toEqual(before);
  });

  it('answers 404 for an unknown session and 410 for an expired one, changing nothing', async () => {
    const clock = new ManualClock(at(0));
    const alice = newUser('alice');
    const room = (await createRoom(roomDeps(clock), { userId: alice, body: { room_name: 'r' } })).room;
    const deps = sessionDeps(clock);
    const session = await createSession(deps, alice, { room_id: room.room_id });
    await seedMessages(alice, room.room_id, [{ created_at: at(1) }]);
    clock.advance(11 * 60_000);
    const before = await userItems(alice);

    // Caught at once: it may fail before the other request ends (no unhandled rejection meanwhile).
    const expired = clearSessionHistory(deps, alice, session.session_id, undefined).catch(
      (error: unknown) => error,
    );
    const unknown = await clear(alice, 'sess_unknown');

    expect(await expired).toMatchObject({ code: 'SESSION_EXPIRED' });
    expect(unknown.status).toBe(404);
    expect(await userItems(alice)).toEqual(before);
  });

  it('costs the same DynamoDB requests however long the history is (O(1) in the request)', async () => {
    const calls: string[] = [];
    const counting = DynamoDBDocumentClient.from(
      createLocalDynamoDbClient(String(process.env.DYNAMODB_ENDPOINT)),
    );
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const clock = new ManualClock(at(0));
    const deps = sessionDeps(clock, {
      sessions: createSessionRepository(counting, chatTableName()),
      rooms: createRoomRepository(counting, chatTableName()),
    });
    const requestsFor = async (messageCount: number) => {
      const alice = newUser('alice');
      const room = (await createRoom(roomDeps(clock), { userId: alice, body: { room_name: 'r' } })).room;
      const session = await createSession(deps, alice, { room_id: room.room_id });
      await seedMessages(
        alice,
        room.room_id,
        Array.from({ length: messageCount }, (_, i) => ({
          created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
        })),
      );
      calls.length = 0;
      await clearSessionHistory(deps, alice, session.session_id, undefined);
      return [...calls];
    };

    const few = await requestsFor(2);
    const many = await requestsFor(300);

    expect(many).toEqual(few);
    // The session, then its room with the account's deletion watermark (one BatchGet), then the transaction.
    expect(few).toEqual(['GetItemCommand', 'BatchGetItemCommand', 'TransactWriteItemsCommand']);
  });
});
