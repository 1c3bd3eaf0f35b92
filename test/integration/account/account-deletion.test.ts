import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as deleteAccountHandler } from '../../../functions/account/delete-account';
import { handler as exportAccountHandler } from '../../../functions/account/export-account';
import { handler as getSettingsHandler } from '../../../functions/account/get-settings';
import { handler as listAuditHandler } from '../../../functions/account/list-audit-events';
import { handler as updateSettingsHandler } from '../../../functions/account/update-settings';
import { handler as deleteAccountDataHandler } from '../../../functions/maintenance/delete-account-data';
import { handler as createRoomHandler } from '../../../functions/rooms/create-room';
import { handler as deleteRoomHandler } from '../../../functions/rooms/delete-room';
import { handler as getRoomHandler } from '../../../functions/rooms/get-room';
import { handler as historyHandler } from '../../../functions/rooms/get-room-history';
import { handler as listRoomsHandler } from '../../../functions/rooms/list-rooms';
import { handler as restoreRoomHandler } from '../../../functions/rooms/restore-room';
import { handler as createSessionHandler } from '../../../functions/sessions/create-session';
import { handler as getSessionHandler } from '../../../functions/sessions/get-session';
import { systemClock } from '../../../shared/domain/clock';
import { createConnectionRepository } from '../../../shared/realtime/connection-repository';
import { storedAuditEvents } from '../../support/account-fixtures';
import { invoke, testContext } from '../../support/api-event';
import {
  chatTableName,
  isCancelRequested,
  newUser,
  seedMessages,
  startLiveStream,
  testDocumentClient,
  userItems,
} from '../../support/rooms-fixtures';
import { invokeStream } from '../../support/stream-invoke';
import { tokenFor } from '../../support/test-keys';

const deleteAccount = (sub: string, body?: unknown) =>
  invoke(deleteAccountHandler, {
    method: 'DELETE',
    sub,
    path: '/api/me',
    ...(body === undefined ? {} : { body }),
  });
const createRoom = (sub: string, roomName: string) =>
  invoke(createRoomHandler, { method: 'POST', sub, path: '/api/rooms', body: { room_name: roomName } });
const roomRequest = (handler: unknown, sub: string, roomId: string, path = '') =>
  invoke(handler as Parameters<typeof invoke>[0], {
    method: handler === restoreRoomHandler ? 'POST' : handler === deleteRoomHandler ? 'DELETE' : 'GET',
    sub,
    path: `/api/rooms/${roomId}${path}`,
    pathParameters: { room_id: roomId },
  });

/** A user with two rooms (one soft-deleted), messages, a session, a live stream and settings. */
async function populatedAccount() {
  const alice = newUser('alice');
  const kept = (await createRoom(alice, 'kept')).body.data;
  const removed = (await createRoom(alice, 'removed')).body.data;
  await seedMessages(alice, kept.room_id, [
    { created_at: new Date().toISOString() },
    { created_at: new Date().toISOString() },
  ]);
  await seedMessages(alice, removed.room_id, [{ created_at: new Date().toISOString() }]);
  const session = (
    await invoke(createSessionHandler, {
      method: 'POST',
      sub: alice,
      path: '/api/session/create',
      body: { room_id: kept.room_id },
    })
  ).body.data;
  await roomRequest(deleteRoomHandler, alice, removed.room_id);
  const streamId = await startLiveStream(alice, { roomId: kept.room_id, sessionId: session.session_id });
  await invoke(updateSettingsHandler, {
    method: 'PATCH',
    sub: alice,
    path: '/api/me/settings',
    body: { retention_days: 7 },
  });
  return { alice, kept, removed, session, streamId };
}

/** The stream record DynamoDB hands the deletion job for its job item (INSERT, keys only). */
async function jobRecord(userId: string): Promise<DynamoDBStreamEvent> {
  const { Items } = await testDocumentClient().send(
    new QueryCommand({
      TableName: chatTableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':prefix': 'ACCOUNT_DELETION#' },
      ConsistentRead: true,
    }),
  );
  const job = Items?.[0];
  if (!job) throw new Error('no account deletion job was queued');
  return {
    Records: [
      {
        eventName: 'INSERT',
        dynamodb: { Keys: { pk: { S: String(job.pk) }, sk: { S: String(job.sk) } }, SequenceNumber: '1' },
      },
    ],
  } as DynamoDBStreamEvent;
}

const runJob = (event: DynamoDBStreamEvent) =>
  (deleteAccountDataHandler as unknown as (e: DynamoDBStreamEvent, c: unknown) => Promise<unknown>)(
    event,
    testContext('deleteAccountData'),
  );

/** Until the clock has moved past `iso` (a room made in the deletion's millisecond counts as deleted). */
async function afterMillisecond(iso: string) {
  while (new Date().toISOString() <= iso) await new Promise((resolve) => setImmediate(resolve));
}

const connectionsTableName = () => process.env.CONNECTIONS_TABLE_NAME ?? '';

const connectionRepository = () =>
  createConnectionRepository({
    client: testDocumentClient(),
    tableName: connectionsTableName(),
    clock: systemClock,
    maxConnections: 20,
    connectionSeconds: 7200,
  });

/** Every item of the user's partition in the connections table (connections and slots). */
async function connectionItems(userId: string) {
  const { Items } = await testDocumentClient().send(
    new QueryCommand({
      TableName: connectionsTableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `USER#${userId}` },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

describe('DELETE /api/me', () => {
  it.each([[undefined], [{}], [{ confirm: 'delete' }], [{ confirm: 'DELETE', also: true }]])(
    'answers 400 without the exact confirmation (%j) and changes nothing',
    async (body) => {
      const { alice } = await populatedAccount();
      const before = await userItems(alice);

      const response = await deleteAccount(alice, body);

      expect(response.status).toBe(400);
      expect(await userItems(alice)).toEqual(before);
    },
  );

  it('hides everything at once, stops live streams, keeps the audit trail, and lets the user start from nothing', async () => {
    const { alice, kept, removed, session, streamId } = await populatedAccount();

    const response = await deleteAccount(alice, { confirm: 'DELETE' });

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ deleted: true, purge_completes_by: expect.any(String) });
    expect(await isCancelRequested(alice, streamId)).toBe(true);
    const list = await invoke(listRoomsHandler, { sub: alice, path: '/api/rooms' });
    expect(list.body.data).toMatchObject({ rooms: [], total: 0 });
    expect((await roomRequest(getRoomHandler, alice, kept.room_id)).status).toBe(404);
    expect((await roomRequest(historyHandler, alice, kept.room_id, '/history')).status).toBe(404);
    expect((await roomRequest(restoreRoomHandler, alice, removed.room_id, '/restore')).status).toBe(404);
    const sessionRead = await invoke(getSessionHandler, {
      sub: alice,
      path: `/api/session/${session.session_id}`,
      pathParameters: { session_id: session.session_id },
    });
    expect(sessionRead.status).toBe(404);
    expect(
      (await invoke(getSettingsHandler, { sub: alice, path: '/api/me/settings' })).body.data.source,
    ).toBe('default');
    const everything = invokeStream(exportAccountHandler, {
      method: 'GET',
      path: '/api/me/export',
      token: tokenFor(alice),
    });
    await everything.done;
    expect(JSON.parse(everything.body())).toMatchObject({ rooms: [], sessions: [] });
    const audit = await invoke(listAuditHandler, {
      sub: alice,
      path: '/api/me/audit',
      query: { limit: '100' },
    });
    expect(audit.body.data.events.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['account.delete', 'room.create', 'settings.update']),
    );

    await afterMillisecond(
      JSON.stringify(await userItems(alice)).match(/"data_deleted_at":"([^"]+)"/)?.[1] ?? '',
    );
    const fresh = await createRoom(alice, 'a new start');
    expect(fresh.status).toBe(201);
    expect((await invoke(listRoomsHandler, { sub: alice, path: '/api/rooms' })).body.data).toMatchObject({
      total: 1,
      rooms: [{ room_id: fresh.body.data.room_id }],
    });
  });

  it('is completed in the background: every item from before is deleted, what came after stays, the audit trail records it', async () => {
    const { alice } = await populatedAccount();
    const bob = newUser('bob');
    await createRoom(bob, 'not touched');
    const bobsBefore = await userItems(bob);
    await deleteAccount(alice, { confirm: 'DELETE' });
    const event = await jobRecord(alice);
    await afterMillisecond(
      JSON.stringify(await userItems(alice)).match(/"data_deleted_at":"([^"]+)"/)?.[1] ?? '',
    );
    const fresh = (await createRoom(alice, 'after')).body.data;

    const result = await runJob(event);

    expect(result).toEqual({ batchItemFailures: [] });
    const left = await userItems(alice);
    const kinds = left.map((item) => String(item.sk).replace(/#.*/, '#')).sort();
    // The watermark, the counter, and the room made since (its items: the room, its rate window, ...).
    expect(kinds).toEqual(expect.arrayContaining(['ACCOUNT', 'COUNTER', 'ROOM#']));
    expect(left.filter((item) => String(item.sk).startsWith('ROOM#')).map((item) => item.room_id)).toEqual([
      fresh.room_id,
    ]);
    expect(
      left.filter((item) =>
        /^(SESSION|SETTINGS|IDEMPOTENCY|ACCOUNT_DELETION|MSG|STREAM|SLOT|REQUEST)/.test(String(item.sk)),
      ),
    ).toEqual([]);
    expect(await userItems(bob)).toEqual(bobsBefore);
    const audit = await storedAuditEvents(alice);
    expect(audit.find((e) => e.action === 'account.delete.completed')).toMatchObject({
      actor: 'system',
      outcome: 'success',
    });
    expect(audit.find((e) => e.action === 'account.delete')).toMatchObject({
      actor: 'user',
      outcome: 'success',
    });

    // A replayed stream record finds no job: nothing more happens.
    const again = await runJob(event);
    expect(again).toEqual({ batchItemFailures: [] });
    expect(
      (await storedAuditEvents(alice)).filter((e) => e.action === 'account.delete.completed'),
    ).toHaveLength(1);
  });

  it("deletes the user's WebSocket connection items from before, keeps one opened since and other users'", async () => {
    const alice = newUser('alice');
    const bob = newUser('bob');
    const connections = connectionRepository();
    const endpoint = 'http://127.0.0.1:1';
    for (const id of ['a1', 'a2']) await connections.open({ userId: alice, connectionId: id, endpoint });
    await connections.open({ userId: bob, connectionId: 'b1', endpoint });
    expect(await connectionItems(alice)).toHaveLength(4); // two connections, two slots
    const bobsBefore = await connectionItems(bob);

    await deleteAccount(alice, { confirm: 'DELETE' });
    const event = await jobRecord(alice);
    await afterMillisecond(
      JSON.stringify(await userItems(alice)).match(/"data_deleted_at":"([^"]+)"/)?.[1] ?? '',
    );
    await connections.open({ userId: alice, connectionId: 'after', endpoint });

    expect(await runJob(event)).toEqual({ batchItemFailures: [] });

    const left = await connectionItems(alice);
    expect(left.filter((item) => String(item.sk).startsWith('CONNECTION#')).map((item) => item.sk)).toEqual([
      'CONNECTION#after',
    ]);
    expect(left.map((item) => item.sk)).not.toContain('CONNECTION#a1');
    expect(await connectionItems(bob)).toEqual(bobsBefore);
  });
});
