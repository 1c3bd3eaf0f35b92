// The awslambda shim goes first: middy reads the global when handler modules load.
import { SERVICE_NAME } from '../shared/observability/names';
import './awslambda-shim';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTokenVerifier } from '../shared/auth/token-verifier';
import { parseConfig } from '../shared/config/config';
import { auditTable, chatTable, connectionsTable, streamsTable } from '../shared/data/table-definitions';
import { buildOpenApiDocument } from '../shared/openapi/openapi-document';
import { routeTable } from '../shared/routes/route-table';
import {
  assertJava17,
  createLocalDynamoDbClient,
  ensureDynamoDbLocal,
  startDynamoDbLocal,
} from './dynamodb-local';
import { ensureTables, localTableNames } from './dynamodb-tables';
import { startGateway } from './gateway';
import { jwksOf, loadOrCreateSigningKey, mintToken } from './local-issuer';
import { parseLocalSettings } from './local-settings';
import { streamConsumersFor } from './table-stream-consumers';
import { createStreamsClient, startTableStreamPoller } from './table-stream-poller';
import { apiReferenceFiles, buildAppFiles, underPrefix } from './web-assets';
import { startLocalWebSocketGateway } from './websocket-gateway';

/**
 * `npm start`: DynamoDB Local (or DYNAMODB_ENDPOINT), the tables from their definitions, the
 * local sign-in key, and the gateway serving every route of the route table.
 */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;
const cleanups: (() => Promise<void> | void)[] = [];

async function shutdown(exitCode: number): Promise<never> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error('[start] cleanup failed:', (error as Error).message);
    }
  }
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const settings = parseLocalSettings(process.env);
  const dataDir = isAbsolute(settings.LOCAL_DATA_DIR)
    ? settings.LOCAL_DATA_DIR
    : resolve(repoRoot, settings.LOCAL_DATA_DIR);

  let endpoint = settings.DYNAMODB_ENDPOINT;
  let databaseNote = `DynamoDB at ${endpoint} (DYNAMODB_ENDPOINT)`;
  if (!endpoint) {
    assertJava17();
    await ensureDynamoDbLocal();
    const dynamodb = await startDynamoDbLocal(
      settings.DYNAMODB_IN_MEMORY
        ? { inMemory: true }
        : { inMemory: false, dbPath: join(dataDir, 'dynamodb') },
    );
    cleanups.push(() => dynamodb.stop());
    endpoint = dynamodb.endpoint;
    databaseNote = settings.DYNAMODB_IN_MEMORY
      ? `DynamoDB Local at ${endpoint} (in memory)`
      : `DynamoDB Local at ${endpoint} (data in ${join(settings.LOCAL_DATA_DIR, 'dynamodb')})`;
  }

  const defaults = localTableNames();
  const tables = {
    chat: process.env.CHAT_TABLE_NAME ?? defaults.chat,
    streams: process.env.STREAMS_TABLE_NAME ?? defaults.streams,
    connections: process.env.CONNECTIONS_TABLE_NAME ?? defaults.connections,
    audit: process.env.AUDIT_TABLE_NAME ?? defaults.audit,
  };
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const client = createLocalDynamoDbClient(endpoint);
  await ensureTables(client, [
    { definition: chatTable, name: tables.chat },
    { definition: streamsTable, name: tables.streams },
    { definition: connectionsTable, name: tables.connections },
    { definition: auditTable, name: tables.audit },
  ]);

  let keyFile = settings.LOCAL_SIGNING_KEY_FILE;
  if (!keyFile && settings.DYNAMODB_IN_MEMORY) {
    const keyDir = mkdtempSync(join(tmpdir(), 'careguide-key-'));
    cleanups.push(() => rmSync(keyDir, { recursive: true, force: true }));
    keyFile = join(keyDir, 'local-signing-key.pem');
  }
  keyFile ??= join(dataDir, 'local-signing-key.pem');
  const signingKey = loadOrCreateSigningKey(keyFile);

  // The WebSocket API's local stand-in: its management API (where the fan-out posts) has an
  // endpoint of its own per process, so it exists before the handlers' configuration is set.
  const webSocket = await startLocalWebSocketGateway({ repoRoot });

  // The handlers' configuration, exactly as CDK sets it on AWS but for the local parts.
  Object.assign(process.env, {
    STAGE: process.env.STAGE ?? 'local',
    APP_VERSION: version,
    CHAT_TABLE_NAME: tables.chat,
    STREAMS_TABLE_NAME: tables.streams,
    CONNECTIONS_TABLE_NAME: tables.connections,
    AUDIT_TABLE_NAME: tables.audit,
    WEBSOCKET_MANAGEMENT_ENDPOINT: webSocket.managementEndpoint,
    DYNAMODB_ENDPOINT: endpoint,
    AUTH_MODE: 'local',
    LOCAL_JWKS: jwksOf(signingKey),
    LOCAL_SIGNING_KEY_FILE: keyFile,
    MODEL_PROVIDER: process.env.MODEL_PROVIDER ?? 'local',
    POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });
  const config = parseConfig(process.env);

  const openApi = buildOpenApiDocument({ includeLocalOnly: true, version });
  // The web app at `/` and the API reference at `/docs/`, built in memory (dist/ is for hosting).
  const app = await buildAppFiles(repoRoot);
  const reference = apiReferenceFiles(repoRoot, { openApi, localSignInUser: settings.LOCAL_DEMO_USER });
  const gateway = await startGateway({
    routes: routeTable,
    verifier: createTokenVerifier(config),
    corsAllowedOrigins: config.CORS_ALLOWED_ORIGINS,
    repoRoot,
    port: settings.PORT,
    host: settings.HOST,
    staticDocuments: {
      '/openapi.json': { contentType: 'application/json', body: JSON.stringify(openApi, null, 2) },
      ...underPrefix('/docs/', reference),
      ...underPrefix('/', app),
    },
  });
  cleanups.push(() => gateway.close());
  webSocket.attach(gateway.server);
  cleanups.push(() => webSocket.close());

  // Table streams → the stream-triggered functions, as event source mappings would call them.
  const runsJobs = settings.LOCAL_STREAM_JOBS ?? !settings.DYNAMODB_ENDPOINT;
  const streamsClient = createStreamsClient(endpoint, config.AWS_REGION);
  const polledTables = settings.LOCAL_TABLE_STREAMS
    ? ([
        [chatTable, tables.chat],
        [streamsTable, tables.streams],
      ] as const)
    : [];
  for (const [definition, tableName] of polledTables) {
    const poller = await startTableStreamPoller({
      client,
      streamsClient,
      tableName,
      region: config.AWS_REGION,
      pollIntervalMs: settings.LOCAL_STREAM_POLL_INTERVAL_MS,
      consumers: streamConsumersFor(definition, { repoRoot, jobs: runsJobs }),
    });
    cleanups.push(() => poller.stop());
  }
  cleanups.push(() => {
    streamsClient.destroy();
    client.destroy();
  });

  const token = mintToken(signingKey, {
    sub: settings.LOCAL_DEMO_USER,
    issuer: config.LOCAL_ISSUER,
    audience: config.LOCAL_AUDIENCE,
    expiresInSeconds: 12 * 3600,
  });
  printBanner({
    url: gateway.url,
    databaseNote,
    token,
    user: settings.LOCAL_DEMO_USER,
    jobsNote: !settings.LOCAL_TABLE_STREAMS
      ? 'off (LOCAL_TABLE_STREAMS=false): no WebSocket events, no history deletion'
      : runsJobs
        ? 'run here'
        : 'left to the gateway that owns DynamoDB Local (LOCAL_STREAM_JOBS)',
  });
}

function printBanner(info: {
  url: string;
  databaseNote: string;
  token: string;
  user: string;
  jobsNote: string;
}): void {
  const { url } = info;
  const ws = `${url.replace(/^http/, 'ws')}/ws`;
  console.log(`CareGuide local gateway listening on ${url}

  Web app        ${url}/
  API            ${url}   (reference: ${url}/docs/, OpenAPI: ${url}/openapi.json)
  WebSocket      ${ws}?token=<JWT>   (events of the token's user: docs/websocket.md)
  Database       ${info.databaseNote}
  Stream jobs    ${info.jobsNote}
  Sign-in        local issuer; POST ${url}/local/token {"user_id": "..."} mints a token
  Process        ${process.pid}   (kill -9 ${process.pid} ends it as a crash would)

A token for user "${info.user}", valid 12 hours — paste it into another terminal:

  export TOKEN=${info.token}
  export API=${url}
  export WS=${ws}

Then try:

  curl -s $API/api/health
  curl -s $API/readyz
  curl -s -X POST $API/local/token -H 'content-type: application/json' -d '{"user_id":"bob"}'

Press Ctrl+C to stop (DynamoDB Local stops with it).`);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.log(`\n[start] ${signal}: shutting down`);
    void shutdown(0);
  });
}

main().catch((error: unknown) => {
  console.error(`[start] ${(error as Error).message ?? error}`);
  void shutdown(1);
});
