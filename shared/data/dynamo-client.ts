import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigError, getConfig } from '../config/config';

let documentClient: DynamoDBDocumentClient | undefined;
let instrument: (client: DynamoDBClient) => DynamoDBClient = (client) => client;

/**
 * For the functions that trace in-process: wraps the client (one X-Ray subsegment per call).
 * Call it before the first `getDocumentClient()`.
 */
export function instrumentDynamoDbClient(wrap: (client: DynamoDBClient) => DynamoDBClient): void {
  instrument = wrap;
}

/**
 * Credentials come from the environment, where Lambda puts the function role's (and the local
 * start, tests and benchmarks put fixed local ones): the SDK's default chain (profiles, SSO,
 * IMDS, ...) is never consulted, and the bundles leave it out (infra/bundling.ts).
 */
export const environmentCredentials = fromEnv();

/** The process's DynamoDB client, created once (at cold start, on first use). */
export function getDocumentClient(): DynamoDBDocumentClient {
  if (!documentClient) {
    const config = getConfig();
    const client = new DynamoDBClient({
      region: config.AWS_REGION,
      credentials: environmentCredentials,
      // Every call has a time limit and a bounded number of attempts: a DynamoDB out of reach
      // becomes a 503 (SERVICE_UNAVAILABLE, Retry-After) within seconds, and a stream notices
      // it well within its lease, instead of a request hanging on a dead connection.
      requestHandler: {
        connectionTimeout: config.DYNAMODB_CONNECT_TIMEOUT_MS,
        requestTimeout: config.DYNAMODB_REQUEST_TIMEOUT_MS,
        // Without it the SDK only logs a warning and keeps waiting.
        throwOnRequestTimeout: true,
      },
      maxAttempts: config.DYNAMODB_MAX_ATTEMPTS,
      ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
    });
    documentClient = DynamoDBDocumentClient.from(instrument(client), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }
  return documentClient;
}

function boundTable(
  envVar: 'CHAT_TABLE_NAME' | 'STREAMS_TABLE_NAME' | 'CONNECTIONS_TABLE_NAME' | 'AUDIT_TABLE_NAME',
): string {
  const name = getConfig()[envVar];
  if (!name) throw new ConfigError(`${envVar} is not set: this function has no access to that table.`);
  return name;
}

/** The table names, from configuration; reading one this function is not bound to throws. */
export const tableNames = {
  get chat(): string {
    return boundTable('CHAT_TABLE_NAME');
  },
  get streams(): string {
    return boundTable('STREAMS_TABLE_NAME');
  },
  get connections(): string {
    return boundTable('CONNECTIONS_TABLE_NAME');
  },
  get audit(): string {
    return boundTable('AUDIT_TABLE_NAME');
  },
};
