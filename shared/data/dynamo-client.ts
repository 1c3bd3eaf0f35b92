import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigError, getConfig } from '../config/config';
import { tracer } from '../observability/powertools';

let documentClient: DynamoDBDocumentClient | undefined;

/** The process's DynamoDB client, created once (at cold start, on first use). */
export function getDocumentClient(): DynamoDBDocumentClient {
  if (!documentClient) {
    const config = getConfig();
    const client = new DynamoDBClient({
      region: config.AWS_REGION,
      ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
    });
    documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(client), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }
  return documentClient;
}

function boundTable(envVar: 'CHAT_TABLE_NAME' | 'STREAMS_TABLE_NAME' | 'CONNECTIONS_TABLE_NAME'): string {
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
};
