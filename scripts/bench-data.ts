/**
 * `npm run bench:data [-- --rooms 50 --messages 1000]`: the "your data" figures (DESIGN "Your
 * data", issue benchmark) against an in-memory DynamoDB Local, through the real handlers:
 * - export of everything (`GET /api/me/export`, streamed) for a user with rooms × messages seeded
 *   directly with BatchWriteItem: messages per second, bytes, and the exporting process's peak
 *   memory above its baseline (sampled every 20 ms), so "memory stays flat" is a figure;
 * - export of one room (buffered JSON and Markdown);
 * - the audit trail's write cost per request: the stored event's size and write units (1 KB
 *   each; ×2 inside a transaction), for an event written in parallel and one in a transaction;
 * - account deletion: the request (O(1)) and the background job for the same user.
 * Figures, not assertions: DynamoDB Local on this machine, not AWS.
 */
import '../local/awslambda-shim';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { LocalResponseStream, type StreamingHandler } from '../local/awslambda-shim';
import { createLocalDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { ensureTables, localTableNames } from '../local/dynamodb-tables';
import { lambdaContext } from '../local/lambda-event';
import { generateSigningKey, jwksOf, mintToken } from '../local/local-issuer';
import { auditTable, chatTable, connectionsTable, streamsTable } from '../shared/data/table-definitions';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

const { values: args } = parseArgs({
  options: { rooms: { type: 'string', default: '50' }, messages: { type: 'string', default: '1000' } },
});
const roomCount = Number(args.rooms);
const messagesPerRoom = Number(args.messages);
if (!Number.isInteger(roomCount) || roomCount < 1 || roomCount > 50) throw new Error('--rooms must be 1-50');
if (!Number.isInteger(messagesPerRoom) || messagesPerRoom < 1) throw new Error('--messages must be >= 1');

const MB = 1024 * 1024;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function event(input: {
  method: string;
  sub: string;
  body?: unknown;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  const body = input.body === undefined ? undefined : JSON.stringify(input.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...input.headers },
    ...(input.query ? { queryStringParameters: input.query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      http: {
        method: input.method,
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: randomUUID(),
      timeEpoch: Date.now(),
      authorizer: { jwt: { claims: { sub: input.sub }, scopes: null } },
    },
    ...(body ? { body } : {}),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

/** A response that counts what it is sent and keeps nothing (the client's side of the download). */
class CountingResponse extends Writable {
  bytes = 0;
  statusCode = 0;
  headersSent = false;
  writeHead(status: number) {
    this.statusCode = status;
    this.headersSent = true;
    return this;
  }
  flushHeaders() {}
  setHeader() {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void) {
    this.bytes += chunk.length;
    callback();
  }
}

/** Approximate stored size of a DynamoDB item (attribute names + values), as its write units are billed. */
function itemBytes(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return 21;
  if (typeof value === 'boolean') return 1;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + itemBytes(v), 0);
  return (
    3 +
    Object.entries(value as Record<string, unknown>).reduce(
      (sum, [key, v]) => sum + Buffer.byteLength(key) + 1 + itemBytes(v),
      0,
    )
  );
}

async function main(): Promise<void> {
  const dynamodb = await startDynamoDbLocal({ inMemory: true });
  try {
    const tables = localTableNames('bench-');
    const raw = createLocalDynamoDbClient(dynamodb.endpoint);
    await ensureTables(raw, [
      { definition: chatTable, name: tables.chat },
      { definition: streamsTable, name: tables.streams },
      { definition: connectionsTable, name: tables.connections },
      { definition: auditTable, name: tables.audit },
    ]);
    const client = DynamoDBDocumentClient.from(raw);
    const signingKey = generateSigningKey();
    const issuer = 'http://careguide.bench';
    const audience = 'careguide-bench';
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      CHAT_TABLE_NAME: tables.chat,
      STREAMS_TABLE_NAME: tables.streams,
      CONNECTIONS_TABLE_NAME: tables.connections,
      AUDIT_TABLE_NAME: tables.audit,
      AUTH_MODE: 'local',
      LOCAL_ISSUER: issuer,
      LOCAL_AUDIENCE: audience,
      LOCAL_JWKS: jwksOf(signingKey),
      ROOM_CREATE_LIMIT_PER_HOUR: '1000000',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_DEV: 'true',
    });

    // Handlers load after the environment is set: they read it once, at "cold start".
    const createRoom = (await import('../functions/rooms/create-room')).handler as Handler;
    const getRoom = (await import('../functions/rooms/get-room')).handler as Handler;
    const exportRoom = (await import('../functions/account/export-room')).handler as Handler;
    const deleteAccount = (await import('../functions/account/delete-account')).handler as Handler;
    const listRooms = (await import('../functions/rooms/list-rooms')).handler as Handler;
    const exportAccount = (await import('../functions/account/export-account'))
      .handler as unknown as StreamingHandler;
    const deleteAccountData = (await import('../functions/maintenance/delete-account-data'))
      .handler as unknown as (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;
    const { keys } = await import('../shared/data/keys');
    const context = lambdaContext('bench', 900_000);

    // --- seed: rooms through the API, messages straight into the table (BatchWriteItem) ----------
    const user = `bench-${randomUUID().slice(0, 8)}`;
    const roomIds: string[] = [];
    for (let r = 0; r < roomCount; r++) {
      const result = (await createRoom(
        event({ method: 'POST', sub: user, body: { room_name: `Room ${r}` } }),
        context,
      )) as APIGatewayProxyStructuredResultV2;
      roomIds.push(JSON.parse(String(result.body)).data.room_id);
    }
    const content = 'Blood pressure readings are best taken at the same time each day. '.repeat(6);
    const seedStarted = performance.now();
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const batches: Record<string, unknown>[][] = [];
    for (const roomId of roomIds) {
      for (let start = 0; start < messagesPerRoom; start += 25) {
        const batch: Record<string, unknown>[] = [];
        for (let m = start; m < Math.min(messagesPerRoom, start + 25); m++) {
          const createdAt = new Date(base + m * 1000).toISOString();
          const messageId = `msg_${roomId.slice(0, 8)}_${m}`;
          batch.push({
            ...keys.message(user, roomId, createdAt, messageId),
            user_id: user,
            message_id: messageId,
            room_id: roomId,
            session_id: 'sess_bench',
            role: m % 2 === 0 ? 'user' : 'assistant',
            agent_type: 'general',
            content,
            status: 'complete',
            created_at: createdAt,
          });
        }
        batches.push(batch);
      }
    }
    const queue = [...batches];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let batch = queue.shift(); batch; batch = queue.shift()) {
          let pending = batch.map((Item) => ({ PutRequest: { Item } }));
          while (pending.length > 0) {
            const result = await client.send(
              new BatchWriteCommand({ RequestItems: { [tables.chat]: pending } }),
            );
            pending = (result.UnprocessedItems?.[tables.chat] ?? []) as typeof pending;
          }
        }
      }),
    );
    const totalMessages = roomCount * messagesPerRoom;
    console.log(
      `seeded ${roomCount} rooms × ${messagesPerRoom} messages = ${totalMessages} messages in ${round((performance.now() - seedStarted) / 1000)} s`,
    );

    // --- export everything, streamed ---------------------------------------------------------------
    global.gc?.();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakHeap = Math.max(peakHeap, now.heapUsed);
    }, 20);
    const sink = new CountingResponse();
    const exportStarted = performance.now();
    const stream = new LocalResponseStream(sink as unknown as ServerResponse);
    await exportAccount(
      event({
        method: 'GET',
        sub: user,
        headers: { authorization: `Bearer ${mintToken(signingKey, { sub: user, issuer, audience })}` },
      }),
      stream,
      context,
    );
    if (!stream.writableFinished) stream.end();
    await new Promise((resolve) => setImmediate(resolve));
    const exportSeconds = (performance.now() - exportStarted) / 1000;
    clearInterval(sampler);
    if (sink.statusCode !== 200) throw new Error(`export answered ${sink.statusCode}`);

    // --- export one room (buffered) ------------------------------------------------------------
    const firstRoom = roomIds[0] ?? '';
    const roomTimes: Record<string, { ms: number; bytes: number }> = {};
    for (const format of ['json', 'markdown']) {
      const started = performance.now();
      const result = (await exportRoom(
        event({ method: 'GET', sub: user, pathParameters: { room_id: firstRoom }, query: { format } }),
        context,
      )) as APIGatewayProxyStructuredResultV2;
      roomTimes[format] = { ms: performance.now() - started, bytes: Buffer.byteLength(String(result.body)) };
    }

    // --- audit write cost ------------------------------------------------------------------------------
    const auditUser = `audit-${randomUUID().slice(0, 8)}`;
    const created = (await createRoom(
      event({ method: 'POST', sub: auditUser, body: { room_name: 'audit cost' } }),
      context,
    )) as APIGatewayProxyStructuredResultV2;
    const auditRoom = JSON.parse(String(created.body)).data.room_id;
    await getRoom(event({ method: 'GET', sub: auditUser, pathParameters: { room_id: auditRoom } }), context);
    await listRooms(event({ method: 'GET', sub: auditUser }), context);
    const audit = await client.send(
      new QueryCommand({
        TableName: tables.audit,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `USER#${auditUser}` },
      }),
    );
    const auditRows = (audit.Items ?? []).map((item) => {
      const bytes = itemBytes(item);
      const units = Math.ceil(bytes / 1024);
      const inTransaction = item.action === 'room.create';
      return {
        action: String(item.action),
        bytes,
        writeUnits: inTransaction ? units * 2 : units,
        how: inTransaction ? 'in the write transaction (×2)' : 'parallel PutItem',
      };
    });

    // --- account deletion ------------------------------------------------------------------------------
    const deleteStarted = performance.now();
    const deleted = (await deleteAccount(
      event({ method: 'DELETE', sub: user, body: { confirm: 'DELETE' } }),
      context,
    )) as APIGatewayProxyStructuredResultV2;
    const deleteRequestMs = performance.now() - deleteStarted;
    if (deleted.statusCode !== 200)
      throw new Error(`DELETE /api/me answered ${deleted.statusCode}: ${deleted.body}`);
    const job = await client.send(
      new QueryCommand({
        TableName: tables.chat,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `USER#${user}`, ':prefix': 'ACCOUNT_DELETION#' },
      }),
    );
    const jobKey = job.Items?.[0];
    const jobStarted = performance.now();
    await deleteAccountData(
      {
        Records: [
          {
            eventName: 'INSERT',
            dynamodb: {
              Keys: { pk: { S: String(jobKey?.pk) }, sk: { S: String(jobKey?.sk) } },
              SequenceNumber: '1',
            },
          },
        ],
      } as DynamoDBStreamEvent,
      context,
    );
    const jobSeconds = (performance.now() - jobStarted) / 1000;
    const left = await client.send(
      new QueryCommand({
        TableName: tables.chat,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.messagePartition(user, firstRoom) },
        Select: 'COUNT',
      }),
    );

    console.log('\n## Export of everything (GET /api/me/export, streamed)\n');
    console.log(
      '| messages | rooms | bytes sent | seconds | messages/s | peak RSS above baseline | peak heap above baseline |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|---:|');
    console.log(
      `| ${totalMessages} | ${roomCount} | ${round(sink.bytes / MB)} MB | ${round(exportSeconds, 2)} | ${Math.round(totalMessages / exportSeconds)} | ${round((peakRss - baseline.rss) / MB)} MB | ${round((peakHeap - baseline.heapUsed) / MB)} MB |`,
    );
    console.log('\n## Export of one room (buffered)\n');
    console.log('| format | messages | bytes | ms |');
    console.log('|---|---:|---:|---:|');
    for (const [format, figures] of Object.entries(roomTimes)) {
      console.log(`| ${format} | ${messagesPerRoom} | ${figures.bytes} | ${round(figures.ms)} |`);
    }
    console.log('\n## Audit write cost per request\n');
    console.log('| action | event size | write units | written |');
    console.log('|---|---:|---:|---|');
    for (const row of auditRows)
      console.log(`| ${row.action} | ${row.bytes} B | ${row.writeUnits} | ${row.how} |`);
    console.log('\n## Account deletion\n');
    console.log('| request (DELETE /api/me) | background job | items | items/s | messages left in a room |');
    console.log('|---:|---:|---:|---:|---:|');
    console.log(
      `| ${round(deleteRequestMs)} ms | ${round(jobSeconds, 2)} s | ${totalMessages + roomCount}+ | ${Math.round((totalMessages + roomCount) / jobSeconds)} | ${left.Count} |`,
    );
    raw.destroy();
  } finally {
    await dynamodb.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
