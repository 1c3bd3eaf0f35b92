/**
 * `npm run bench`: the chat stream's performance figures of DESIGN §10, measured on this machine
 * against real local parts — DynamoDB Local (in memory) and `npm start` gateway processes — and
 * printed as a table; the raw figures go to bench-results/ as JSON.
 *
 * 1. Stop latency: a stop's response arriving → the `cancelled` event arriving, over many
 *    stopped streams; most stops go through a SECOND gateway process (the stream's state is in
 *    DynamoDB only). Also the loop's own StopLatencyMs from the gateways' logs.
 * 2. DynamoDB calls per answer, for answers of different lengths and token rates: the gateways
 *    talk to DynamoDB through a counting proxy, and each answer's calls are counted while it is
 *    the only one running. They follow the answer's duration, not its token count.
 * 3. Time from the request to the `started` event with an instant model, and the sequential
 *    DynamoDB round trips before it (the proxy's timeline: a call that starts after another one
 *    ended is one round trip further).
 * 4. The stream handler's bundle (the CDK bundling options, infra/bundling.ts) and its cold import.
 *
 * Nothing reaches the internet. Takes a couple of minutes on 2 cores.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundleHandler } from '../infra/bundling';
import { createLocalDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { ensureTables, localTableNames } from '../local/dynamodb-tables';
import { loadOrCreateSigningKey, mintToken } from '../local/local-issuer';
import { auditTable, chatTable, connectionsTable, streamsTable } from '../shared/data/table-definitions';
import type { ChatStreamEvent } from '../shared/schemas/chat';
import { postStream, type SseStream, terminalEvent } from './support/sse-client';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(repoRoot, 'bench-results');
const STOPPED_STREAMS = Number(process.env.BENCH_STOPPED_STREAMS ?? 120);
const POLL_INTERVAL_MS = 250;

// ---------------------------------------------------------------------------------------------
// Parts: DynamoDB Local, a counting proxy in front of it, gateway processes

interface Call {
  readonly operation: string;
  readonly start: number;
  readonly end: number;
}

/** An HTTP proxy to DynamoDB Local that records every call (operation, start, end). */
async function startCountingProxy(target: string): Promise<{ url: string; calls: Call[]; server: Server }> {
  const calls: Call[] = [];
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const start = performance.now();
    const operation =
      String(req.headers['x-amz-target'] ?? '?')
        .split('.')
        .pop() ?? '?';
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => calls.push({ operation, start, end: performance.now() }));
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

interface Gateway {
  readonly url: string;
  readonly output: () => string;
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
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Clients

interface Chat {
  readonly token: string;
  readonly roomId: string;
  readonly sessionId: string;
}

async function json(url: string, token: string, body?: unknown, method = 'POST') {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as { data: Record<string, unknown> } };
}

async function newChat(gateway: Gateway, keyFile: string): Promise<Chat> {
  const token = mintToken(loadOrCreateSigningKey(keyFile), {
    sub: `bench-${randomUUID().slice(0, 8)}`,
    issuer: 'http://careguide.local',
    audience: 'careguide-local',
  });
  const room = await json(`${gateway.url}/api/rooms`, token, { room_name: 'Benchmark' });
  const roomId = String(room.body.data.room_id);
  const session = await json(`${gateway.url}/api/session/create`, token, { room_id: roomId });
  return { token, roomId, sessionId: String(session.body.data.session_id) };
}

const ask = (gateway: Gateway, chat: Chat): Promise<SseStream> =>
  postStream(`${gateway.url}/api/chat/message`, chat.token, {
    query: 'Benchmark question with no meaning.',
    session_id: chat.sessionId,
    room_id: chat.roomId,
  });

const arrivalOf = (stream: SseStream, predicate: (event: ChatStreamEvent) => boolean): number => {
  const index = stream.events.findIndex(predicate);
  return stream.arrivedAt[index] ?? Number.NaN;
};

// ---------------------------------------------------------------------------------------------
// Statistics

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((x, y) => x - y);
  if (sorted.length === 0) return Number.NaN;
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
};
const summary = (values: readonly number[]) => ({
  n: values.length,
  p50: round(percentile(values, 50)),
  p95: round(percentile(values, 95)),
  p99: round(percentile(values, 99)),
  max: round(Math.max(...values)),
});
const round = (value: number) => Math.round(value * 10) / 10;
const median = (values: readonly number[]) => percentile(values, 50);

/**
 * Sequential DynamoDB round trips before the first byte: the depth of the registration (the first
 * TransactWriteItems of the request), where a call that starts after another one ended is one
 * round trip further. Nothing but the response follows the registration before the first byte.
 */
function roundTripsBeforeFirstByte(calls: readonly Call[], from: number, to: number): number {
  const window = calls
    .filter((call) => call.start >= from && call.start < to)
    .sort((x, y) => x.start - y.start);
  const depth = new Map<Call, number>();
  for (const call of window) {
    const before = window.filter((other) => other.end <= call.start).map((other) => depth.get(other) ?? 1);
    depth.set(call, 1 + Math.max(0, ...before));
  }
  const registration = window.find((call) => call.operation === 'TransactWriteItems');
  return registration ? (depth.get(registration) ?? Number.NaN) : Number.NaN;
}

// ---------------------------------------------------------------------------------------------
// Phases

async function stopLatency(a: Gateway, b: Gateway, keyFile: string) {
  const workers = 4;
  const perWorker = Math.ceil(STOPPED_STREAMS / workers);
  const samples: {
    viaOtherProcess: boolean;
    latencyMs: number;
    stopRequestMs: number;
    partialChars: number;
  }[] = [];
  // Warm-up (not counted): each process loads its stream and stop handlers once.
  const warmup = await newChat(a, keyFile);
  for (const [starter, stopper] of [
    [a, b],
    [b, a],
  ] as const) {
    const stream = await ask(starter, warmup);
    await stream.waitFor((event) => event.status === 'started');
    await json(`${stopper.url}/api/session/${warmup.sessionId}/stop`, warmup.token, {});
    await json(`${starter.url}/api/session/${warmup.sessionId}/stop`, warmup.token, {});
    await stream.done;
  }
  const warmupLines = new Map([a, b].map((gateway) => [gateway, gateway.output().split('\n').length]));
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const chat = await newChat(a, keyFile);
      for (let index = 0; index < perWorker; index++) {
        const viaOtherProcess = (worker + index) % 3 !== 0;
        const stream = await ask(a, chat);
        await stream.waitFor((event) => event.status === 'started');
        // Stops land at any phase of the poll, some before the first token.
        await sleep(Math.random() * 600);
        const sentAt = performance.now();
        const stop = await json(
          `${(viaOtherProcess ? b : a).url}/api/session/${chat.sessionId}/stop`,
          chat.token,
          {},
        );
        const returnedAt = performance.now();
        await stream.done;
        const cancelledAt = arrivalOf(stream, (event) => event.status === 'cancelled');
        if (stop.status !== 200 || Number.isNaN(cancelledAt))
          throw new Error(`stream not cancelled: ${JSON.stringify(terminalEvent(stream.events))}`);
        const cancelled = terminalEvent(stream.events) as Extract<ChatStreamEvent, { status: 'cancelled' }>;
        samples.push({
          viaOtherProcess,
          latencyMs: Math.max(0, cancelledAt - returnedAt),
          stopRequestMs: returnedAt - sentAt,
          partialChars: cancelled.partial_response.length,
        });
      }
    }),
  );
  const serverSide = [a, b]
    .flatMap((gateway) => gateway.output().split('\n').slice(warmupLines.get(gateway)))
    .filter((line) => line.includes('"Stream ended"'))
    .map((line) => (JSON.parse(line) as { stop_latency_ms?: number }).stop_latency_ms)
    .filter((value): value is number => typeof value === 'number');
  return {
    pollIntervalMs: POLL_INTERVAL_MS,
    all: summary(samples.map((sample) => sample.latencyMs)),
    viaSecondProcess: summary(samples.filter((s) => s.viaOtherProcess).map((sample) => sample.latencyMs)),
    viaSameProcess: summary(samples.filter((s) => !s.viaOtherProcess).map((sample) => sample.latencyMs)),
    stopRequestMs: summary(samples.map((sample) => sample.stopRequestMs)),
    loopStopLatencyMs: summary(serverSide),
    stoppedBeforeFirstToken: samples.filter((sample) => sample.partialChars === 0).length,
  };
}

interface Profile {
  readonly label: string;
  readonly tokens: number;
  readonly tokensPerSecond: number;
}

async function callsPerAnswer(
  endpoint: string,
  calls: Call[],
  keyFile: string,
  tables: Record<string, string>,
) {
  const profiles: Profile[] = [
    { label: 'instant', tokens: 50, tokensPerSecond: 1_000_000 },
    { label: '1 s, 20 tok/s', tokens: 20, tokensPerSecond: 20 },
    { label: '1 s, 500 tok/s', tokens: 500, tokensPerSecond: 500 },
    { label: '3 s, 20 tok/s', tokens: 60, tokensPerSecond: 20 },
    { label: '3 s, 500 tok/s', tokens: 1500, tokensPerSecond: 500 },
  ];
  const rows = [];
  for (const profile of profiles) {
    const gateway = await startGateway({
      ...gatewayEnv(endpoint, keyFile, tables),
      LOCAL_MODEL_TOKENS_PER_SECOND: String(profile.tokensPerSecond),
      LOCAL_MODEL_ANSWER_TOKENS: String(profile.tokens),
    });
    try {
      const chat = await newChat(gateway, keyFile);
      const runs: { calls: Call[]; durationMs: number; deltas: number }[] = [];
      for (let run = 0; run < 4; run++) {
        const from = performance.now();
        const stream = await ask(gateway, chat);
        await stream.done;
        const to = performance.now();
        if (terminalEvent(stream.events)?.status !== 'completed') throw new Error('answer did not complete');
        // Run 0 warms the handler module (cold import); it is not counted.
        if (run > 0) {
          runs.push({
            calls: calls.filter((call) => call.start >= from && call.start < to),
            durationMs: to - from,
            deltas: stream.events.filter((event) => event.status === 'streaming').length,
          });
        }
      }
      const byOperation: Record<string, number> = {};
      for (const call of runs.at(-1)?.calls ?? [])
        byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
      rows.push({
        profile: profile.label,
        tokens: profile.tokens,
        tokensPerSecond: profile.tokensPerSecond,
        durationMs: Math.round(median(runs.map((run) => run.durationMs))),
        deltas: median(runs.map((run) => run.deltas)),
        dynamoDbCalls: median(runs.map((run) => run.calls.length)),
        byOperation,
      });
    } finally {
      await gateway.stop();
    }
  }
  return rows;
}

async function timeToStarted(
  endpoint: string,
  calls: Call[],
  keyFile: string,
  tables: Record<string, string>,
) {
  const gateway = await startGateway({
    ...gatewayEnv(endpoint, keyFile, tables),
    LOCAL_MODEL_TOKENS_PER_SECOND: '1000000',
    LOCAL_MODEL_ANSWER_TOKENS: '5',
  });
  try {
    const chat = await newChat(gateway, keyFile);
    const latencies: number[] = [];
    const trips: number[] = [];
    const callCounts: number[] = [];
    let coldMs = Number.NaN;
    for (let run = 0; run < 53; run++) {
      const from = performance.now();
      const stream = await ask(gateway, chat);
      await stream.done;
      const startedAt = arrivalOf(stream, (event) => event.status === 'started');
      if (run === 0) coldMs = startedAt - from;
      if (run < 3) continue;
      latencies.push(startedAt - from);
      trips.push(roundTripsBeforeFirstByte(calls, from, startedAt));
      callCounts.push(
        calls.filter(
          (call) => call.start >= from && call.start < startedAt && call.operation !== 'TransactWriteItems',
        ).length + 1,
      );
    }
    return {
      firstRequestMs: round(coldMs),
      requestToStartedMs: summary(latencies),
      dynamoDbCallsBeforeFirstByte: median(callCounts),
      dynamoDbRoundTripsBeforeFirstByte: {
        p50: median(trips),
        max: Math.max(...trips),
        share2: round((100 * trips.filter((trip) => trip <= 2).length) / trips.length),
      },
    };
  } finally {
    await gateway.stop();
  }
}

function bundles() {
  const shim = join(mkdtempSync(join(tmpdir(), 'careguide-bench-')), 'awslambda.mjs');
  writeFileSync(
    shim,
    'globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };\n',
  );
  const rows = [];
  for (const entry of ['functions/chat/stream-message.ts', 'functions/sessions/stop-stream.ts']) {
    const outdir = join(resultsDir, 'bundles', entry.replace(/^functions\//, '').replace(/\.ts$/, ''));
    const { file } = bundleHandler(entry, outdir);
    const bytes = statSync(file).size;
    const imports: number[] = [];
    for (let run = 0; run < 5; run++) {
      const measured = spawnSync(
        process.execPath,
        [
          '--import',
          shim,
          '--input-type=module',
          '-e',
          `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`,
        ],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH ?? '',
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'bench',
            AWS_SECRET_ACCESS_KEY: 'bench',
            AWS_EC2_METADATA_DISABLED: 'true',
            AUTH_MODE: 'local',
            LOCAL_JWKS: '{"keys":[]}',
            MODEL_PROVIDER: 'bedrock',
            CHAT_TABLE_NAME: 'chat',
            STREAMS_TABLE_NAME: 'streams',
            AUDIT_TABLE_NAME: 'audit',
            NODE_NO_WARNINGS: '1',
          },
        },
      );
      const value = Number.parseFloat(measured.stdout.trim().split('\n').at(-1) ?? '');
      if (Number.isNaN(value)) throw new Error(`cold import of ${entry} failed:\n${measured.stderr}`);
      imports.push(value);
    }
    rows.push({
      handler: entry,
      bytes,
      gzipBytes: gzipSync(readFileSync(file)).length,
      coldImportMs: round(median(imports)),
    });
  }
  rmSync(shim, { force: true });
  return rows;
}

const gatewayEnv = (endpoint: string, keyFile: string, tables: Record<string, string>) => ({
  DYNAMODB_ENDPOINT: endpoint,
  CHAT_TABLE_NAME: tables.chat ?? '',
  STREAMS_TABLE_NAME: tables.streams ?? '',
  CONNECTIONS_TABLE_NAME: tables.connections ?? '',
  AUDIT_TABLE_NAME: tables.audit ?? '',
  LOCAL_SIGNING_KEY_FILE: keyFile,
  CANCEL_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
  POWERTOOLS_LOG_LEVEL: 'INFO',
  // Plenty of room for the benchmark's users.
  ROOM_CREATE_LIMIT_PER_HOUR: '1000',
  // The WebSocket fan-out's stream reads would count as the answer's calls (scripts/bench-ws.ts measures it).
  LOCAL_TABLE_STREAMS: 'false',
});

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = performance.now();
  mkdirSync(resultsDir, { recursive: true });
  const dynamodb = await startDynamoDbLocal({ inMemory: true });
  const proxy = await startCountingProxy(dynamodb.endpoint);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'careguide-bench-key-')), 'key.pem');
  const tables = localTableNames('bench-');
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

    console.log('bundling the stream handler ...');
    const bundleRows = bundles();

    console.log(
      `stop latency: ${STOPPED_STREAMS} streams, stops mostly through a second gateway process ...`,
    );
    const streamingEnv = {
      ...gatewayEnv(dynamodb.endpoint, keyFile, tables),
      LOCAL_MODEL_TOKENS_PER_SECOND: '40',
      LOCAL_MODEL_ANSWER_TOKENS: '2000',
    };
    const [a, b] = await Promise.all([startGateway(streamingEnv), startGateway(streamingEnv)]);
    gateways.push(a, b);
    const stop = await stopLatency(a, b, keyFile);
    await Promise.all([a.stop(), b.stop()]);

    console.log('DynamoDB calls per answer (through a counting proxy) ...');
    const calls = await callsPerAnswer(proxy.url, proxy.calls, keyFile, tables);
    console.log('time to the started event, instant model ...');
    const started = await timeToStarted(proxy.url, proxy.calls, keyFile, tables);

    const results = {
      date: new Date().toISOString(),
      machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
      stopLatencyMs: stop,
      dynamoDbCallsPerAnswer: calls,
      timeToStarted: started,
      bundles: bundleRows,
      benchmarkSeconds: Math.round((performance.now() - startedAt) / 1000),
    };
    const file = join(resultsDir, `bench-${results.date.replaceAll(':', '-')}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    print(results);
    console.log(`\nraw figures: ${file}`);
  } finally {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    proxy.server.close();
    await dynamodb.stop();
  }
}

function print(results: {
  stopLatencyMs: Awaited<ReturnType<typeof stopLatency>>;
  dynamoDbCallsPerAnswer: Awaited<ReturnType<typeof callsPerAnswer>>;
  timeToStarted: Awaited<ReturnType<typeof timeToStarted>>;
  bundles: ReturnType<typeof bundles>;
  benchmarkSeconds: number;
}) {
  const s = results.stopLatencyMs;
  const row = (name: string, x: ReturnType<typeof summary>) =>
    `| ${name} | ${x.n} | ${x.p50} | ${x.p95} | ${x.p99} | ${x.max} |`;
  console.log(`\n## Stop latency (stop response → \`cancelled\` received), poll interval ${s.pollIntervalMs} ms, budget p95 ≤ ${s.pollIntervalMs + 100} ms

| measured | n | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|---|
${row('all stops', s.all)}
${row('stop through the second process', s.viaSecondProcess)}
${row('stop through the same process', s.viaSameProcess)}
${row('stop request itself', s.stopRequestMs)}
${row('loop StopLatencyMs (stop written → loop exit, from logs)', s.loopStopLatencyMs)}

${s.stoppedBeforeFirstToken} of ${s.all.n} were stopped before their first token.

## DynamoDB calls per answer (poll every ${POLL_INTERVAL_MS} ms)

| answer | tokens | tokens/s | duration ms | deltas | DynamoDB calls | by operation |
|---|---|---|---|---|---|---|
${results.dynamoDbCallsPerAnswer
  .map(
    (r) =>
      `| ${r.profile} | ${r.tokens} | ${r.tokensPerSecond} | ${r.durationMs} | ${r.deltas} | ${r.dynamoDbCalls} | ${Object.entries(
        r.byOperation,
      )
        .map(([operation, count]) => `${operation} ${count}`)
        .join(', ')} |`,
  )
  .join('\n')}

## Request → \`started\` (instant model)

| measured | value |
|---|---|
| p50 / p95 / p99 ms (n=${results.timeToStarted.requestToStartedMs.n}) | ${results.timeToStarted.requestToStartedMs.p50} / ${results.timeToStarted.requestToStartedMs.p95} / ${results.timeToStarted.requestToStartedMs.p99} |
| first request of a fresh process (module import) ms | ${results.timeToStarted.firstRequestMs} |
| DynamoDB calls before the first byte | ${results.timeToStarted.dynamoDbCallsBeforeFirstByte} |
| sequential round trips before the first byte, as the proxy sees them: p50 / max / share ≤ 2 | ${results.timeToStarted.dynamoDbRoundTripsBeforeFirstByte.p50} / ${results.timeToStarted.dynamoDbRoundTripsBeforeFirstByte.max} / ${results.timeToStarted.dynamoDbRoundTripsBeforeFirstByte.share2} % |

The code issues the three reads together and then the registration transaction (2 round trips);
the proxy sees a read as "after" another when the SDK's per-call CPU time on a busy machine makes
it leave later than the other one came back.

## Bundles (CDK bundling options: ESM, minified)

| handler | bytes | gzip bytes | cold import ms |
|---|---|---|---|
${results.bundles.map((b) => `| ${b.handler} | ${b.bytes} | ${b.gzipBytes} | ${b.coldImportMs} |`).join('\n')}

benchmark took ${results.benchmarkSeconds} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
