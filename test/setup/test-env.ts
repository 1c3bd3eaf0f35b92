import { inject } from 'vitest';
import { testAudience, testIssuer, testJwks } from '../support/test-keys';

/**
 * Configuration every test worker starts from: local sign-in trusting the test key, dummy AWS
 * credentials (the SDK never looks for real ones), Powertools quiet, and, where the global
 * setup started one, the DynamoDB Local endpoint and the table names it created.
 */
const dynamodb = (() => {
  try {
    return inject('dynamodb');
  } catch {
    return undefined;
  }
})();

Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_EC2_METADATA_DISABLED: 'true',
  STAGE: 'test',
  AUTH_MODE: 'local',
  LOCAL_ISSUER: testIssuer,
  LOCAL_AUDIENCE: testAudience,
  LOCAL_JWKS: testJwks,
  CHAT_TABLE_NAME: dynamodb?.tables.chat ?? 'unit-chat',
  STREAMS_TABLE_NAME: dynamodb?.tables.streams ?? 'unit-streams',
  CONNECTIONS_TABLE_NAME: dynamodb?.tables.connections ?? 'unit-connections',
  AUDIT_TABLE_NAME: dynamodb?.tables.audit ?? 'unit-audit',
  ...(dynamodb ? { DYNAMODB_ENDPOINT: dynamodb.endpoint } : {}),
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
});

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodb: {
      endpoint: string;
      tables: { chat: string; streams: string; connections: string; audit: string };
    };
  }
}
