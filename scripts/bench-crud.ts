/**
 * `npm run bench:crud [-- --iterations 300]`: latency of each room and session operation (the real
 * handlers, called as Lambda would call them) against an in-memory DynamoDB Local, with the
 * DynamoDB requests each one makes (counted by a middleware on the handlers' client) and the
 * Node CPU time per call (handler + SDK work; DynamoDB Local runs in its own Java process).
 * Figures, not assertions: local latencies are loopback plus DynamoDB Local, not AWS.
 */
import '../local/awslambda-shim';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createLocalDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { ensureTables, localTableNames } from '../local/dynamodb-tables';
import { lambdaContext } from '../local/lambda-event';
import { generateSigningKey, jwksOf } from '../local/local-issuer';
import { auditTable, chatTable, streamsTable } from '../shared/data/table-definitions';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

interface Call {
  readonly method: string;
  readonly sub: string;
  readonly body?: unknown;
  readonly query?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
}

const { values: args } = parseArgs({ options: { iterations: { type: 'string', default: '300' } } });
const iterations = Number(args.iterations);
if (!Number.isInteger(iterations) || iterations < 10)
  throw new Error('--iterations must be an integer >= 10');

function event(call: Call): APIGatewayProxyEventV2 {
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: new URLSearchParams(call.query ?? {}).toString(),
    headers: body ? { 'content-type': 'application/json' } : {},
    ...(call.query ? { queryStringParameters: call.query } : {}),
    ...(call.pathParameters ? { pathParameters: call.pathParameters } : {}),
    requestContext: {
      http: {
        method: call.method,
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: randomUUID(),
      authorizer: { jwt: { claims: { sub: call.sub }, scopes: null } },
    },
    ...(body ? { body } : {}),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

async function main(): Promise<void> {
  const dynamodb = await startDynamoDbLocal({ inMemory: true });
  try {
    const tables = localTableNames('bench-');
    const raw = createLocalDynamoDbClient(dynamodb.endpoint);
    await ensureTables(raw, [
      { definition: chatTable, name: tables.chat },
      { definition: streamsTable, name: tables.streams },
      { definition: auditTable, name: tables.audit },
    ]);
    raw.destroy();
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      CHAT_TABLE_NAME: tables.chat,
      STREAMS_TABLE_NAME: tables.streams,
      AUDIT_TABLE_NAME: tables.audit,
      AUTH_MODE: 'local',
      LOCAL_JWKS: jwksOf(generateSigningKey()),
      ROOM_CREATE_LIMIT_PER_HOUR: '1000000',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_DEV: 'true',
    });

    // Handlers load after the environment is set: they read it once, at "cold start".
    const handlers = {
      createRoom: (await import('../functions/rooms/create-room')).handler,
      getRoom: (await import('../functions/rooms/get-room')).handler,
      listRooms: (await import('../functions/rooms/list-rooms')).handler,
      updateRoom: (await import('../functions/rooms/update-room')).handler,
      getRoomHistory: (await import('../functions/rooms/get-room-history')).handler,
      deleteRoom: (await import('../functions/rooms/delete-room')).handler,
      restoreRoom: (await import('../functions/rooms/restore-room')).handler,
      createSession: (await import('../functions/sessions/create-session')).handler,
      getSession: (await import('../functions/sessions/get-session')).handler,
      resetSession: (await import('../functions/sessions/reset-session')).handler,
      clearSessionHistory: (await import('../functions/sessions/clear-session-history')).handler,
      deleteSession: (await import('../functions/sessions/delete-session')).handler,
    } satisfies Record<string, Handler>;
    const { getDocumentClient } = await import('../shared/data/dynamo-client');
    const { keys } = await import('../shared/data/keys');

    const calls = new Map<string, number>();
    getDocumentClient().middlewareStack.add(
      (next, context) => async (input) => {
        const name = String(context.commandName).replace(/Command$/, '');
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return next(input);
      },
      { step: 'initialize', name: 'benchCallCounter' },
    );

    const context = lambdaContext('bench', 30_000);
    const rows: string[][] = [];
    async function measure(name: string, handler: Handler, makeCall: (i: number) => Call, expected: number) {
      const latencies: number[] = [];
      calls.clear();
      const cpuBefore = process.cpuUsage();
      const results: unknown[] = [];
      for (let i = 0; i < iterations; i++) {
        const started = performance.now();
        const result = (await handler(event(makeCall(i)), context)) as APIGatewayProxyStructuredResultV2;
        latencies.push(performance.now() - started);
        if (result.statusCode !== expected) {
          throw new Error(`${name} #${i} answered ${result.statusCode}: ${result.body}`);
        }
        results.push(JSON.parse(String(result.body)).data);
      }
      const cpu = process.cpuUsage(cpuBefore);
      const sorted = [...latencies].sort((a, b) => a - b);
      const perCall = [...calls.entries()]
        .map(([command, count]) => `${command} ×${+(count / iterations).toFixed(2)}`)
        .join(', ');
      rows.push([
        name,
        String(iterations),
        percentile(sorted, 50).toFixed(1),
        percentile(sorted, 95).toFixed(1),
        ((cpu.user + cpu.system) / 1000 / iterations).toFixed(2),
        String(+([...calls.values()].reduce((a, b) => a + b, 0) / iterations).toFixed(2)),
        perCall,
      ]);
      return results;
    }

    // Users with at most 40 rooms each, under the limit of 50 live rooms.
    const users = Array.from({ length: Math.ceil(iterations / 40) }, (_, i) => `bench-user-${i}`);
    const userOf = (i: number) => users[i % users.length] ?? 'bench-user-0';

    const rooms = (await measure(
      'POST /api/rooms',
      handlers.createRoom,
      (i) => ({ method: 'POST', sub: userOf(i), body: { room_name: `Room ${i}`, metadata: { i } } }),
      201,
    )) as { room_id: string; user_id: string }[];
    const room = (i: number) => rooms[i % rooms.length] ?? { room_id: '', user_id: '' };
    const roomCall = (i: number, method = 'GET'): Call => ({
      method,
      sub: room(i).user_id,
      pathParameters: { room_id: room(i).room_id },
    });

    // 60 stored messages in each of the first rooms: history reads full pages.
    const historyRooms = Math.min(rooms.length, 20);
    const documentClient = getDocumentClient();
    for (let r = 0; r < historyRooms; r++) {
      for (let m = 0; m < 60; m++) {
        const createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, m)).toISOString();
        const messageId = `msg_${r}_${m}`;
        await documentClient.send(
          new PutCommand({
            TableName: tables.chat,
            Item: {
              ...keys.message(room(r).user_id, room(r).room_id, createdAt, messageId),
              message_id: messageId,
              room_id: room(r).room_id,
              session_id: 'sess_bench',
              role: m % 2 === 0 ? 'user' : 'assistant',
              agent_type: 'general',
              content: 'x'.repeat(400),
              status: 'complete',
              created_at: createdAt,
            },
          }),
        );
      }
    }

    await measure('GET /api/rooms/{id}', handlers.getRoom, (i) => roomCall(i), 200);
    await measure(
      'GET /api/rooms (limit 20)',
      handlers.listRooms,
      (i) => ({ method: 'GET', sub: userOf(i), query: { limit: '20', sort_by: 'last_activity' } }),
      200,
    );
    await measure(
      'PATCH /api/rooms/{id}',
      handlers.updateRoom,
      (i) => ({ ...roomCall(i, 'PATCH'), body: { room_name: `Renamed ${i}` } }),
      200,
    );
    await measure(
      'GET /api/rooms/{id}/history (50 of 60)',
      handlers.getRoomHistory,
      (i) => ({ ...roomCall(i % historyRooms), query: { limit: '50' } }),
      200,
    );
    const sessions = (await measure(
      'POST /api/session/create',
      handlers.createSession,
      (i) => ({ method: 'POST', sub: room(i).user_id, body: { room_id: room(i).room_id } }),
      201,
    )) as { session_id: string; user_id: string }[];
    const sessionCall = (i: number, method = 'GET'): Call => ({
      method,
      sub: sessions[i]?.user_id ?? '',
      pathParameters: { session_id: sessions[i]?.session_id ?? '' },
    });
    await measure('GET /api/session/{id}', handlers.getSession, (i) => sessionCall(i), 200);
    await measure(
      'POST /api/session/{id}/reset',
      handlers.resetSession,
      (i) => ({ ...sessionCall(i, 'POST'), body: {} }),
      200,
    );
    await measure(
      'DELETE /api/session/{id}/history',
      handlers.clearSessionHistory,
      (i) => sessionCall(i, 'DELETE'),
      200,
    );
    await measure('DELETE /api/session/{id}', handlers.deleteSession, (i) => sessionCall(i, 'DELETE'), 200);
    await measure('DELETE /api/rooms/{id}', handlers.deleteRoom, (i) => roomCall(i, 'DELETE'), 200);
    await measure('POST /api/rooms/{id}/restore', handlers.restoreRoom, (i) => roomCall(i, 'POST'), 200);

    const header = [
      'operation',
      'n',
      'p50 ms',
      'p95 ms',
      'Node CPU ms/call',
      'DynamoDB calls/op',
      'calls by command',
    ];
    console.log(`\nCRUD latency against DynamoDB Local (in memory), sequential calls\n`);
    console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    await dynamodb.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
