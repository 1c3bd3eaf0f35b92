/**
 * `npm run bench:ws` (and the last part of `npm run bench`): the WebSocket events' figures of
 * DESIGN §10, measured against real local parts — DynamoDB Local (in memory) and two `npm start`
 * gateway processes — and printed; the raw figures go to bench-results/websocket.json.
 *
 * 1. Change → event: a room renamed through gateway B (the HTTP response's arrival) → the
 *    `room.updated` frame's arrival at the user's socket on gateway A (a second device on a
 *    second process: the event travels through the table's change stream), p50/p95/p99.
 * 2. Events per second one fan-out sustains: a burst of changes written straight into the chat
 *    table for one user holding several sockets on gateway A, from the first write to the last
 *    frame at every socket.
 *
 * Nothing reaches the internet. Takes about a minute on 2 cores.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLocalDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { ensureTables, localTableNames } from '../local/dynamodb-tables';
import { loadOrCreateSigningKey, mintToken } from '../local/local-issuer';
import { keys } from '../shared/data/keys';
import { auditTable, chatTable, connectionsTable, streamsTable } from '../shared/data/table-definitions';
import { connect, type EventSocket, webSocketUrl } from '../test/support/ws-client';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(repoRoot, 'bench-results');
const CHANGES = Number(process.env.BENCH_WS_CHANGES ?? 100);
const BURST = Number(process.env.BENCH_WS_BURST ?? 1000);
const BURST_SOCKETS = Number(process.env.BENCH_WS_SOCKETS ?? 5);

interface Gateway {
  readonly url: string;
  stop(): Promise<void>;
}

async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      NODE_NO_WARNINGS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let waited = 0; !/listening on (http:\/\/\S+)/.test(output); waited += 50) {
    if (child.exitCode !== null || waited > 60_000) throw new Error(`gateway did not start:\n${output}`);
    await sleep(50);
  }
  return {
    url: /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? '',
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
};
const round = (value: number) => Math.round(value * 10) / 10;

async function api(url: string, token: string, method: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the benchmark reads known JSON bodies.
  const json = (await response.json()) as any;
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Change (rename through B) → `room.updated` at a socket on A. */
async function changeToEvent(a: Gateway, b: Gateway, token: string) {
  const socket = await connect(webSocketUrl(a.url, token));
  const room = await api(`${b.url}/api/rooms`, token, 'POST', { room_name: 'Bench' });
  const roomId: string = room.data.room_id;
  await socket.waitFor((frame) => frame.type === 'room.created' && frame.room_id === roomId);
  const delays: number[] = [];
  for (let n = 0; n < CHANGES; n++) {
    const name = `Bench ${n}`;
    const arrived = socket.waitFor(
      (frame) => frame.type === 'room.updated' && frame.data?.room_name === name,
    );
    await api(`${b.url}/api/rooms/${roomId}`, token, 'PATCH', { room_name: name });
    const responded = performance.now();
    delays.push((await arrived).arrivedAt - responded);
    // Changes apart, as a person makes them (each one measured on its own, not queued behind others).
    await sleep(20 + Math.random() * 60);
  }
  await socket.close();
  return {
    changes: CHANGES,
    p50_ms: round(percentile(delays, 50)),
    p95_ms: round(percentile(delays, 95)),
    p99_ms: round(percentile(delays, 99)),
    max_ms: round(Math.max(...delays)),
  };
}

/** A burst of message inserts for one user → frames at each of their sockets on one gateway. */
async function fanOutThroughput(
  a: Gateway,
  token: string,
  user: string,
  endpoint: string,
  chatTableName: string,
) {
  const sockets: EventSocket[] = [];
  for (let n = 0; n < BURST_SOCKETS; n++) sockets.push(await connect(webSocketUrl(a.url, token)));
  const client = DynamoDBDocumentClient.from(createLocalDynamoDbClient(endpoint));
  const roomId = `room_${randomUUID().replaceAll('-', '')}`;
  const base = Date.now();
  const items = Array.from({ length: BURST }, (_, n) => {
    const createdAt = new Date(base + n).toISOString();
    const messageId = `msg_bench_${n}`;
    return {
      ...keys.message(user, roomId, createdAt, messageId),
      message_id: messageId,
      room_id: roomId,
      session_id: 'sess_bench',
      role: 'user',
      agent_type: 'general',
      content: 'x'.repeat(200),
      status: 'complete',
      created_at: createdAt,
    };
  });
  const started = performance.now();
  for (let index = 0; index < items.length; index += 25) {
    let pending = items.slice(index, index + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [chatTableName]: pending } }));
      pending = (result.UnprocessedItems?.[chatTableName] ?? []) as typeof pending;
    }
  }
  const written = performance.now();
  const last = `msg_bench_${BURST - 1}`;
  await Promise.all(
    sockets.map((socket) =>
      socket.waitFor((frame) => frame.type === 'message.created' && frame.message_id === last, 120_000),
    ),
  );
  const finished = performance.now();
  const delivered = sockets.reduce(
    (sum, socket) => sum + socket.received.filter((item) => item.frame.type === 'message.created').length,
    0,
  );
  await Promise.all(sockets.map((socket) => socket.close()));
  client.destroy();
  const seconds = (finished - started) / 1000;
  return {
    changes: BURST,
    sockets: BURST_SOCKETS,
    events_delivered: delivered,
    write_seconds: round((written - started) / 1000),
    total_seconds: round(seconds),
    changes_per_second: Math.round(BURST / seconds),
    events_per_second: Math.round(delivered / seconds),
  };
}

async function main(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const dynamodb = await startDynamoDbLocal({ inMemory: true });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'careguide-bench-ws-key-')), 'key.pem');
  const tables = localTableNames('bench-ws-');
  const gateways: Gateway[] = [];
  try {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
    });
    const client = createLocalDynamoDbClient(dynamodb.endpoint);
    await ensureTables(client, [
      { definition: chatTable, name: tables.chat },
      { definition: streamsTable, name: tables.streams },
      { definition: connectionsTable, name: tables.connections },
      { definition: auditTable, name: tables.audit },
    ]);
    client.destroy();
    const env = {
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      CHAT_TABLE_NAME: tables.chat,
      STREAMS_TABLE_NAME: tables.streams,
      CONNECTIONS_TABLE_NAME: tables.connections,
      AUDIT_TABLE_NAME: tables.audit,
      LOCAL_SIGNING_KEY_FILE: keyFile,
      ROOM_CREATE_LIMIT_PER_HOUR: '1000',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    };
    gateways.push(await startGateway(env), await startGateway(env));
    const [a, b] = gateways as [Gateway, Gateway];
    const user = `bench-${randomUUID().slice(0, 8)}`;
    const token = mintToken(loadOrCreateSigningKey(keyFile), {
      sub: user,
      issuer: 'http://careguide.local',
      audience: 'careguide-local',
    });

    console.log(`change → event: ${CHANGES} renames through gateway B, socket on gateway A ...`);
    const latency = await changeToEvent(a, b, token);
    console.log(`fan-out throughput: ${BURST} changes to ${BURST_SOCKETS} sockets on one gateway ...`);
    const throughput = await fanOutThroughput(a, token, user, dynamodb.endpoint, tables.chat);

    const results = { measured_at: new Date().toISOString(), change_to_event: latency, fan_out: throughput };
    writeFileSync(join(resultsDir, 'websocket.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`
WebSocket events (DESIGN §10: a change → the event on another device, p95 ≤ 1 s locally)
  change (HTTP response) → event at a second socket, another gateway process
    p50 ${latency.p50_ms} ms   p95 ${latency.p95_ms} ms   p99 ${latency.p99_ms} ms   max ${latency.max_ms} ms   (${latency.changes} changes)
  one fan-out (one gateway's stream poller + fan-out function + management API)
    ${throughput.events_per_second} events/s to sockets (${throughput.changes_per_second} changes/s × ${throughput.sockets} sockets; ${throughput.events_delivered} events in ${throughput.total_seconds} s)
  raw figures: bench-results/websocket.json`);
  } finally {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await dynamodb.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
