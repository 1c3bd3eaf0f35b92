import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, mintToken } from '../../local/local-issuer';
import { postStream } from '../../scripts/support/sse-client';
import { keys } from '../../shared/data/keys';
import { type GatewayProcess, request, sharedKeyFile, startGatewayProcess } from '../support/gateway-process';
import { chatTableName, testDocumentClient } from '../support/rooms-fixtures';

/**
 * The stream-triggered background job (history deletion) runs locally too: the gateway reads
 * the chat table's stream and invokes it with the filter of its event source mapping. Of
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
});
