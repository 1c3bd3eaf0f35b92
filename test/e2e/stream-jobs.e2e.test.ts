import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, mintToken } from '../../local/local-issuer';
import { postStream } from '../../scripts/support/sse-client';
import { keys } from '../../shared/data/keys';
import { storedAuditEvents } from '../support/account-fixtures';
import { type GatewayProcess, request, sharedKeyFile, startGatewayProcess } from '../support/gateway-process';
import {
  chatTableName,
  storedMessages as messagesIn,
  testDocumentClient,
  userItems,
} from '../support/rooms-fixtures';
import { connect, webSocketUrl } from '../support/ws-client';

/**
 * The stream-triggered background jobs (history deletion, account deletion) run locally too:
 * the gateway reads the chat table's stream and invokes each with the filter of its event
 * source mapping (infra/maintenance-jobs.ts). Of
 * several gateways sharing one DynamoDB, only the one told to (LOCAL_STREAM_JOBS) runs jobs.
 */
const keyFile = sharedKeyFile();
let jobs: GatewayProcess;
let plain: GatewayProcess;

beforeAll(async () => {
  const env = {
    LOCAL_SIGNING_KEY_FILE: keyFile,
    LOCAL_MODEL_TOKENS_PER_SECOND: '200',
    LOCAL_MODEL_ANSWER_TOKENS: '10',
  };
  [jobs, plain] = await Promise.all([
    startGatewayProcess({ ...env, LOCAL_STREAM_JOBS: 'true' }),
    startGatewayProcess(env),
  ]);
});

afterAll(async () => {
  await Promise.all([jobs?.stop(), plain?.stop()]);
});

const storedMessages = async (user: string, roomId: string) => {
  const result = await testDocumentClient().send(
    new QueryCommand({
      TableName: chatTableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.messagePartition(user, roomId) },
      ConsistentRead: true,
    }),
  );
  return result.Items?.length ?? 0;
};

const tokenOf = (user: string) =>
  mintToken(loadOrCreateSigningKey(keyFile), {
    sub: user,
    issuer: 'http://careguide.local',
    audience: 'careguide-local',
  });

const connectionItems = async (user: string) => {
  const result = await testDocumentClient().send(
    new QueryCommand({
      TableName: process.env.CONNECTIONS_TABLE_NAME ?? '',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `USER#${user}` },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
};

describe('stream-triggered jobs in local mode', () => {
  it('deletes the messages a clear-history hid, in the background, through the chat table stream', async () => {
    const user = `frank-${randomUUID().slice(0, 8)}`;
    const token = mintToken(loadOrCreateSigningKey(keyFile), {
      sub: user,
      issuer: 'http://careguide.local',
      audience: 'careguide-local',
    });
    const room = await request(`${plain.url}/api/rooms`, {
      method: 'POST',
      token,
      json: { room_name: 'Diet' },
    });
    const roomId: string = room.body.data.room_id;
    const session = await request(`${plain.url}/api/session/create`, {
      method: 'POST',
      token,
      json: { room_id: roomId },
    });
    const stream = await postStream(`${plain.url}/api/chat/message`, token, {
      query: 'Is coffee fine?',
      session_id: session.body.data.session_id,
      room_id: roomId,
    });
    await stream.done;
    expect(await storedMessages(user, roomId)).toBe(2);

    const cleared = await request(`${plain.url}/api/session/${session.body.data.session_id}/history`, {
      method: 'DELETE',
      token,
    });

    expect(cleared.status).toBe(200);
    await expect.poll(() => storedMessages(user, roomId), { timeout: 15_000, interval: 200 }).toBe(0);
    expect(jobs.output()).toMatch(/History clear job done/);
    expect(plain.output()).not.toMatch(/History clear job done/);
    expect(plain.output()).toMatch(/Stream jobs\s+left to the gateway that owns DynamoDB Local/);
  });

  it('completes an account deletion in the background: the data is physically gone, the audit trail stays', async () => {
    const user = `gina-${randomUUID().slice(0, 8)}`;
    const token = tokenOf(user);
    const roomId: string = (
      await request(`${plain.url}/api/rooms`, { method: 'POST', token, json: { room_name: 'Sleep' } })
    ).body.data.room_id;
    const sessionId: string = (
      await request(`${plain.url}/api/session/create`, { method: 'POST', token, json: { room_id: roomId } })
    ).body.data.session_id;
    const stream = await postStream(`${plain.url}/api/chat/message`, token, {
      query: 'How long should I sleep?',
      session_id: sessionId,
      room_id: roomId,
    });
    await stream.done;
    const socket = await connect(webSocketUrl(plain.url, token));
    expect(await messagesIn(user, roomId)).toHaveLength(2);
    expect((await connectionItems(user)).length).toBeGreaterThan(0);

    const deleted = await request(`${plain.url}/api/me`, {
      method: 'DELETE',
      token,
      json: { confirm: 'DELETE' },
    });

    expect(deleted.status).toBe(200);
    // What is left: the deletion watermark and the (reset) counter; nothing of the user's data.
    const remaining = async () =>
      (await userItems(user)).map((item) => String(item.sk).replace(/#.*/, '#')).sort();
    await expect.poll(remaining, { timeout: 20_000, interval: 200 }).toEqual(['ACCOUNT', 'COUNTER']);
    expect(await messagesIn(user, roomId)).toEqual([]);
    expect(await connectionItems(user)).toEqual([]);
    expect(jobs.output()).toMatch(/Account deletion job done/);
    expect(plain.output()).not.toMatch(/Account deletion job done/);
    const audit = await storedAuditEvents(user);
    expect(audit.map((event) => event.action)).toEqual(
      expect.arrayContaining(['room.create', 'account.delete', 'account.delete.completed']),
    );
    await socket.close();
  });
});
