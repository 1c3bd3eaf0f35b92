import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DatabaseProbe } from '../domain/health';
import { getDocumentClient, tableNames } from './dynamo-client';

const PROBE_TIMEOUT_MS = 1500;

/** A single eventually consistent GetItem on a key that never exists: cheap, and needs only read access. */
export const dynamoDbProbe: DatabaseProbe = {
  async ping() {
    await getDocumentClient().send(
      new GetCommand({ TableName: tableNames.chat, Key: { pk: 'HEALTH#PROBE', sk: 'HEALTH#PROBE' } }),
      { abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) },
    );
  },
};
