/**
 * `npm run bench`: the chat stream's performance figures of DESIGN §10, measured on this machine
 * against real local parts — DynamoDB Local (in memory) and `npm start` gateway processes — and
 * printed as a table; the raw figures go to bench-results/ as JSON.
 *
 * 1. Stop latency, a stop at a uniformly random moment of the answer (every phase of the poll
 *    interval is sampled): "stop request sent → `cancelled` received" and "stop response →
 *    `cancelled` received"; most stops go through a SECOND gateway process (the stream's state
 *    is in DynamoDB only). Also the loop's own StopLatencyMs from the gateways' logs.
 * 2. DynamoDB capacity units per answer, for answers of about 1, 4, 6.5, 16 and 26 KB streamed
 *    at one pace (26 KB over about 80 s): the gateways talk to DynamoDB through a counting proxy
 *    that ESTIMATES units from item sizes (DynamoDB Local's ConsumedCapacity is not reliable):
 *    a write costs max(item before, item after) per started KB (×2 in a transaction), a read the
 *    items read per started 4 KB (half for an eventually consistent one). Calls are attributed
 *    to an answer by the user's key in them, so the answers run side by side.
 *    `BENCH_BASELINE_ROOT=<a checkout of an earlier commit>` measures that code the same way.
 * 3. Resume: 100 resumes at random points of live streams (`Last-Event-ID`, through the other
 *    process): time to the first replayed event, and whether the replay is exactly the rest of
 *    the original events (no gap, no duplicate).
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
import { join, resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { bundleHandler } from '../infra/bundling';
import { createLocalDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { ensureTables, localTableNames } from '../local/dynamodb-tables';
import { loadOrCreateSigningKey, mintToken } from '../local/local-issuer';
import { configSchema } from '../shared/config/config-schema';
import {
  auditTable,
  type chatTable,
  connectionsTable,
  type streamsTable,
} from '../shared/data/table-definitions';
import { scriptedTokens } from '../shared/model/local-scripted-model';
import type { ChatStreamEvent } from '../shared/schemas/chat';
import { postStream, resumeStream, type SseStream, terminalEvent } from './support/sse-client';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(repoRoot, 'bench-results');
const STOPPED_STREAMS = Number(process.env.BENCH_STOPPED_STREAMS ?? 120);
/** The default of CANCEL_POLL_INTERVAL_MS of the code being measured (set in main). */
let POLL_INTERVAL_MS = configSchema.parse({ AUTH_MODE: 'local', LOCAL_JWKS: '{}' }).CANCEL_POLL_INTERVAL_MS;
/** Where the gateways' code comes from (an earlier checkout, to measure today's figures the same way). */
const gatewayRoot = process.env.BENCH_BASELINE_ROOT ? resolvePath(process.env.BENCH_BASELINE_ROOT) : repoRoot;

// ---------------------------------------------------------------------------------------------
// Parts: DynamoDB Local, a counting proxy in front of it, gateway processes

interface Call {
  readonly operation: string;
  readonly start: number;
  readonly end: number;
  /** The users (`USER#<sub>`) whose keys the call names: how calls are attributed to answers. */
  readonly body: string;
  /** Estimated from item sizes (see `estimateUnits`). */
  readonly writeUnits: number;
  readonly readUnits: number;
}

type Av = Record<string, unknown>;
const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** An attribute value's size as DynamoDB counts it (close enough for capacity estimates). */
function valueSize(value: Av): number {
  if ('S' in value) return utf8(String(value.S));
  if ('N' in value) return Math.ceil(String(value.N).replace(/^-/, '').length / 2) + 1;
  if ('B' in value) return Buffer.from(String(value.B), 'base64').length;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('L' in value) return 3 + (value.L as Av[]).reduce((sum, item) => sum + 1 + valueSize(item), 0);
  if ('M' in value)
    return (
      3 +
      Object.entries(value.M as Record<string, Av>).reduce(
        (sum, [k, v]) => sum + 1 + utf8(k) + valueSize(v),
        0,
      )
    );
  if ('SS' in value) return (value.SS as string[]).reduce((sum, item) => sum + utf8(item), 0);
  if ('NS' in value)
    return (value.NS as string[]).reduce((sum, item) => sum + Math.ceil(item.length / 2) + 1, 0);
  return 0;
}
const itemSize = (item: Record<string, Av> | undefined): number =>
  item ? Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0) : 0;

/**
 * An HTTP proxy to DynamoDB Local that records every call (operation, start, end) and estimates
 * its capacity units from item sizes: it reads each written item's size before and after the
 * call (side reads straight to DynamoDB Local, not counted).
 */
async function startCountingProxy(target: string): Promise<{ url: string; calls: Call[]; server: Server }> {
  const calls: Call[] = [];
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const side = createLocalDynamoDbClient(target);
  const sizeOf = async (table: string, key: Record<string, Av>): Promise<number> => {
    const result = await side.send(
      new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }),
    );
    return itemSize(result.Item as Record<string, Av> | undefined);
  };
  const keyOf = (item: Record<string, Av>) => ({ pk: item.pk as Av, sk: item.sk as Av });
  const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
  const rcu = (bytes: number, consistent: boolean) =>
    Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

  /** The writes of a request: [table, key] pairs, and whether it is a transaction. */
  const writesOf = (operation: string, body: Record<string, unknown>): [string, Record<string, Av>][] => {
    const one = (table: unknown, item: Record<string, Av>) =>
      [String(table), keyOf(item)] as [string, Record<string, Av>];
    if (operation === 'PutItem') return [one(body.TableName, body.Item as Record<string, Av>)];
    if (operation === 'UpdateItem' || operation === 'DeleteItem')
      return [one(body.TableName, body.Key as Record<string, Av>)];
    if (operation === 'TransactWriteItems')
      return (body.TransactItems as Record<string, Record<string, unknown>>[]).map((entry) => {
        const [kind, part] = Object.entries(entry)[0] as [string, Record<string, unknown>];
        return one(part.TableName, (kind === 'Put' ? part.Item : part.Key) as Record<string, Av>);
      });
    if (operation === 'BatchWriteItem')
      return Object.entries(
        body.RequestItems as Record<string, Record<string, Record<string, unknown>>[]>,
      ).flatMap(([table, requests]) =>
        requests.map((request) =>
          one(table, (request.PutRequest?.Item ?? request.DeleteRequest?.Key) as Record<string, Av>),
        ),
      );
    return [];
  };

  const server = createServer(async (req, res) => {
    const start = performance.now();
    const operation =
      String(req.headers['x-amz-target'] ?? '?')
        .split('.')
        .pop() ?? '?';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
    const writes = writesOf(operation, body);
    const before = await Promise.all(writes.map(([table, key]) => sizeOf(table, key).catch(() => 0)));
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
        const parts: Buffer[] = [];
        answer.on('data', (part: Buffer) => parts.push(part));
        answer.on('end', async () => {
          const text = Buffer.concat(parts).toString('utf8');
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(text);
          const ok = (answer.statusCode ?? 500) < 300;
          let writeUnits = 0;
          let readUnits = 0;
          if (writes.length > 0 && ok) {
            const after = await Promise.all(writes.map(([table, key]) => sizeOf(table, key).catch(() => 0)));
            const factor = operation === 'TransactWriteItems' ? 2 : 1;
            writeUnits = writes.reduce(
              (sum, _, index) => sum + factor * kb(Math.max(before[index] ?? 0, after[index] ?? 0)),
              0,
            );
          } else if (writes.length > 0) {
            // A write that failed its condition still costs a unit per item.
            writeUnits = writes.length * (operation === 'TransactWriteItems' ? 2 : 1);
          }
          if (ok && ['GetItem', 'Query', 'BatchGetItem'].includes(operation)) {
            const answerBody = JSON.parse(text || '{}') as Record<string, unknown>;
            const consistent = body.ConsistentRead === true;
            if (operation === 'GetItem') {
              // Billed by the whole item, whatever the projection.
              const size = answerBody.Item
                ? await sizeOf(String(body.TableName), keyOf(body.Key as Record<string, Av>)).catch(() => 0)
                : 0;
              readUnits = rcu(size, consistent);
            } else if (operation === 'Query') {
              const items = (answerBody.Items ?? []) as Record<string, Av>[];
              readUnits = rcu(
                items.reduce((sum, item) => sum + itemSize(item), 0),
                consistent,
              );
            } else {
              const responses = Object.values(
                (answerBody.Responses ?? {}) as Record<string, Record<string, Av>[]>,
              ).flat();
              const keys = Object.values(
                (body.RequestItems ?? {}) as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>,
              );
              const requested = keys.reduce((sum, entry) => sum + entry.Keys.length, 0);
              const strong = keys.every((entry) => entry.ConsistentRead === true);
              readUnits =
                responses.reduce((sum, item) => sum + rcu(itemSize(item), strong), 0) +
                // A key not found still costs a read.
                Math.max(0, requested - responses.length) * rcu(0, strong);
            }
          }
          calls.push({
            operation,
            start,
            end: performance.now(),
            body: raw.toString('utf8'),
            writeUnits,
            readUnits,
          });
        });
      },
    );
    forward.on('error', () => res.destroy());
    forward.end(raw);
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
    cwd: gatewayRoot,
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
  readonly user: string;
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
  const user = `bench-${randomUUID().slice(0, 8)}`;
  const token = mintToken(loadOrCreateSigningKey(keyFile), {
    sub: user,
    issuer: 'http://careguide.local',
    audience: 'careguide-local',
  });
  const room = await json(`${gateway.url}/api/rooms`, token, { room_name: 'Benchmark' });
  const roomId = String(room.body.data.room_id);
  const session = await json(`${gateway.url}/api/session/create`, token, { room_id: roomId });
  return { user, token, roomId, sessionId: String(session.body.data.session_id) };
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
    sentToCancelledMs: number;
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
        // A uniformly random moment of the answer's first second: every phase of the poll interval.
        await sleep(Math.random() * 1000);
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
          sentToCancelledMs: cancelledAt - sentAt,
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
    sentToCancelled: summary(samples.map((sample) => sample.sentToCancelledMs)),
    sentToCancelledViaSecondProcess: summary(
      samples.filter((s) => s.viaOtherProcess).map((sample) => sample.sentToCancelledMs),
    ),
    viaSecondProcess: summary(samples.filter((s) => s.viaOtherProcess).map((sample) => sample.latencyMs)),
    viaSameProcess: summary(samples.filter((s) => !s.viaOtherProcess).map((sample) => sample.latencyMs)),
    stopRequestMs: summary(samples.map((sample) => sample.stopRequestMs)),
    loopStopLatencyMs: summary(serverSide),
    stoppedBeforeFirstToken: samples.filter((sample) => sample.partialChars === 0).length,
  };
}

/** Tokens of the local model's script that make about `bytes` of text. */
function tokensFor(bytes: number): number {
  let tokens = 1;
  while (scriptedTokens(tokens).join('').length < bytes) tokens += 1;
  return tokens;
}

/** 26 KB over about 80 s (DESIGN §10): the pace every answer of this phase is streamed at. */
const CAPACITY_TOKENS_PER_SECOND = Math.round(tokensFor(26 * 1024) / 80);

async function capacityPerAnswer(
  endpoint: string,
  calls: Call[],
  keyFile: string,
  tables: Record<string, string>,
) {
  const sizes = [
    { label: '1 KB', bytes: 1024 },
    { label: '4 KB', bytes: 4 * 1024 },
    { label: '6.5 KB', bytes: 6.5 * 1024 },
    { label: '16 KB', bytes: 16 * 1024 },
    { label: '26 KB', bytes: 26 * 1024 },
  ];
  // One gateway per length (the local model's length is per process); the answers run side by
  // side, each attributed by its user's key.
  const gateways = await Promise.all(
    sizes.map((size) =>
      startGateway({
        ...gatewayEnv(endpoint, keyFile, tables),
        LOCAL_MODEL_TOKENS_PER_SECOND: String(CAPACITY_TOKENS_PER_SECOND),
        LOCAL_MODEL_ANSWER_TOKENS: String(tokensFor(size.bytes)),
      }),
    ),
  );
  try {
    return await Promise.all(
      sizes.map(async (size, index) => {
        const gateway = gateways[index] as Gateway;
        // Warm the handlers (cold import) with a first, stopped answer of another user.
        const warm = await newChat(gateway, keyFile);
        const warmStream = await ask(gateway, warm);
        await warmStream.waitFor((event) => event.status === 'started');
        await json(`${gateway.url}/api/session/${warm.sessionId}/stop`, warm.token, {});
        await warmStream.done;
        const chat = await newChat(gateway, keyFile);
        const from = performance.now();
        const stream = await ask(gateway, chat);
        await stream.done;
        const to = performance.now();
        if (terminalEvent(stream.events)?.status !== 'completed') throw new Error('answer did not complete');
        // Let the last calls (after the terminal event) land.
        await sleep(1000);
        const mine = calls.filter((call) => call.start >= from && call.body.includes(`USER#${chat.user}`));
        const text = stream.events
          .flatMap((event) => (event.status === 'streaming' ? [event.content] : []))
          .join('');
        const bytes = utf8(text);
        const writeUnits = mine.reduce((sum, call) => sum + call.writeUnits, 0);
        const readUnits = mine.reduce((sum, call) => sum + call.readUnits, 0);
        const byOperation: Record<string, number> = {};
        for (const call of mine) byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
        return {
          answer: size.label,
          kb: round(bytes / 1024),
          durationS: round((to - from) / 1000),
          calls: mine.length,
          writeUnits,
          readUnits: round(readUnits),
          writeUnitsPerKb: round(writeUnits / (bytes / 1024)),
          // On-demand prices: a write unit costs five read units.
          readUnitEquivalents: round(readUnits + 5 * writeUnits),
          byOperation,
        };
      }),
    );
  } finally {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
  }
}

/**
 * 100 resumes at random points: 10 live streams on `a`, one after another, each resumed 10
 * times through `b` with a `Last-Event-ID` drawn from the events its client has seen; each
 * stream is stopped after a few seconds so every reader reaches the terminal event (at most 10
 * readers follow at once: each polls the log until the end). Latency: request → first replayed
 * event. Correct: the resumed events are exactly the original's after that id.
 */
async function resumes(a: Gateway, b: Gateway, keyFile: string) {
  const latencies: number[] = [];
  let correct = 0;
  let total = 0;
  // Warm-up (not counted): `b` loads the resume handler once.
  const warmup = await newChat(a, keyFile);
  const warm = await ask(a, warmup);
  await warm.waitFor((event) => event.status === 'started');
  await json(`${a.url}/api/session/${warmup.sessionId}/stop`, warmup.token, {});
  await (await resumeStream(`${b.url}/api/chat/streams/${streamIdOf(warm)}/events`, warmup.token)).done;
  for (let stream = 0; stream < 10; stream++) {
    await (async () => {
      const chat = await newChat(a, keyFile);
      const original = await ask(a, chat);
      await original.waitFor((event) => event.status === 'streaming' && event.seq === 3);
      const readers = await Promise.all(
        Array.from({ length: 10 }, async () => {
          await sleep(Math.random() * 3000);
          const seen = original.ids.length;
          const after = original.ids[Math.floor(Math.random() * (seen - 1))] ?? 0;
          const sentAt = performance.now();
          const resumed = await resumeStream(
            `${b.url}/api/chat/streams/${streamIdOf(original)}/events`,
            chat.token,
            after,
          );
          await resumed.waitFor(() => true);
          latencies.push((resumed.arrivedAt[0] ?? Number.NaN) - sentAt);
          return { resumed, after };
        }),
      );
      await json(`${a.url}/api/session/${chat.sessionId}/stop`, chat.token, {});
      await original.done;
      for (const { resumed, after } of readers) {
        await resumed.done;
        total += 1;
        const expected = original.events.slice(original.ids.indexOf(after) + 1);
        if (JSON.stringify(resumed.events) === JSON.stringify(expected)) correct += 1;
      }
    })();
  }
  return { requestToFirstReplayedMs: summary(latencies), total, correct };
}

const streamIdOf = (stream: SseStream) =>
  (stream.events[0] as Extract<ChatStreamEvent, { status: 'started' }>).stream_id;

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
  for (const entry of [
    'functions/chat/stream-message.ts',
    'functions/chat/stream-events.ts',
    'functions/chat/stop-stream.ts',
  ]) {
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
    const measured = (await import(
      pathToFileURL(join(gatewayRoot, 'shared/config/config-schema.ts')).href
    )) as {
      configSchema: typeof configSchema;
    };
    POLL_INTERVAL_MS = measured.configSchema.parse({
      AUTH_MODE: 'local',
      LOCAL_JWKS: '{}',
    }).CANCEL_POLL_INTERVAL_MS;
    // The tables of the code being measured (a baseline checkout has its own definitions).
    const definitions = (await import(
      pathToFileURL(join(gatewayRoot, 'shared/data/table-definitions.ts')).href
    )) as { chatTable: typeof chatTable; streamsTable: typeof streamsTable };
    await ensureTables(client, [
      { definition: definitions.chatTable, name: tables.chat },
      { definition: definitions.streamsTable, name: tables.streams },
      // Tables the measured code may lack (a baseline checkout): today's definitions.
      { definition: connectionsTable, name: tables.connections },
      { definition: auditTable, name: tables.audit },
    ]);
    client.destroy();

    console.log('bundling the stream handler ...');
    const bundleRows = process.env.BENCH_ONLY === 'capacity' ? [] : bundles();

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
    const onlyCapacity = process.env.BENCH_ONLY === 'capacity';
    const stop = onlyCapacity ? undefined : await stopLatency(a, b, keyFile);
    // The stop phase alone: the rest needs no second run.
    if (process.env.BENCH_ONLY === 'stop') {
      await Promise.all([a.stop(), b.stop()]);
      console.log(JSON.stringify({ stopLatencyMs: stop }, null, 2));
      return;
    }
    // The baseline code has no resume endpoint.
    const resumed =
      onlyCapacity || process.env.BENCH_BASELINE_ROOT || process.env.BENCH_ONLY === 'stop'
        ? undefined
        : await resumes(a, b, keyFile);
    await Promise.all([a.stop(), b.stop()]);

    console.log(
      `capacity units per answer (through the counting proxy; ${CAPACITY_TOKENS_PER_SECOND} tokens/s, 26 KB in about 80 s) ...`,
    );
    const capacity =
      process.env.BENCH_ONLY === 'stop'
        ? []
        : await capacityPerAnswer(proxy.url, proxy.calls, keyFile, tables);
    console.log('time to the started event, instant model ...');
    const started = onlyCapacity ? undefined : await timeToStarted(proxy.url, proxy.calls, keyFile, tables);

    const results = {
      date: new Date().toISOString(),
      machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
      gatewayRoot,
      stopLatencyMs: stop,
      resumes: resumed,
      capacityPerAnswer: capacity,
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
  stopLatencyMs: Awaited<ReturnType<typeof stopLatency>> | undefined;
  resumes: Awaited<ReturnType<typeof resumes>> | undefined;
  capacityPerAnswer: Awaited<ReturnType<typeof capacityPerAnswer>>;
  timeToStarted: Awaited<ReturnType<typeof timeToStarted>> | undefined;
  bundles: ReturnType<typeof bundles>;
  benchmarkSeconds: number;
}) {
  const row = (name: string, x: ReturnType<typeof summary>) =>
    `| ${name} | ${x.n} | ${x.p50} | ${x.p95} | ${x.p99} | ${x.max} |`;
  const capacity = results.capacityPerAnswer;
  const perKb = (label: string) => capacity.find((r) => r.answer === label)?.writeUnitsPerKb ?? Number.NaN;
  console.log(`\n## DynamoDB capacity units per answer (estimated from item sizes through the counting proxy)

| answer | KB | duration s | DynamoDB calls | write units | read units | write units per KB | read-unit equivalents (1 WU = 5 RU) | by operation |
|---|---|---|---|---|---|---|---|---|
${capacity
  .map(
    (r) =>
      `| ${r.answer} | ${r.kb} | ${r.durationS} | ${r.calls} | ${r.writeUnits} | ${r.readUnits} | ${r.writeUnitsPerKb} | ${r.readUnitEquivalents} | ${Object.entries(
        r.byOperation,
      )
        .map(([operation, count]) => `${operation} ${count}`)
        .join(', ')} |`,
  )
  .join('\n')}

Write units per KB, 26 KB answer ÷ 6.5 KB answer: ${round(perKb('26 KB') / perKb('6.5 KB'))} (budget ≤ 1.5).`);
  if (results.resumes) {
    const r = results.resumes;
    console.log(`\n## Resume (\`Last-Event-ID\` at a random point, through the other process)

| measured | n | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|---|
${row('request → first replayed event', r.requestToFirstReplayedMs)}

${r.correct} of ${r.total} replays were exactly the original events after the given id (no gap, no duplicate).`);
  }
  const s = results.stopLatencyMs;
  const started = results.timeToStarted;
  if (!s || !started) return;
  console.log(`\n## Stop latency, stop at a random moment, poll interval ${s.pollIntervalMs} ms (budget: request sent → cancelled p95 ≤ 150 ms)

| measured | n | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|---|
${row('stop request sent → cancelled received, all', s.sentToCancelled)}
${row('stop request sent → cancelled received, second process', s.sentToCancelledViaSecondProcess)}

| stop response → cancelled received | n | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|---|
${row('all stops', s.all)}
${row('stop through the second process', s.viaSecondProcess)}
${row('stop through the same process', s.viaSameProcess)}
${row('stop request itself', s.stopRequestMs)}
${row('loop StopLatencyMs (stop written → loop exit, from logs)', s.loopStopLatencyMs)}

${s.stoppedBeforeFirstToken} of ${s.all.n} were stopped before their first token.

## Request → \`started\` (instant model)

| measured | value |
|---|---|
| p50 / p95 / p99 ms (n=${started.requestToStartedMs.n}) | ${started.requestToStartedMs.p50} / ${started.requestToStartedMs.p95} / ${started.requestToStartedMs.p99} |
| first request of a fresh process (module import) ms | ${started.firstRequestMs} |
| DynamoDB calls before the first byte | ${started.dynamoDbCallsBeforeFirstByte} |
| sequential round trips before the first byte, as the proxy sees them: p50 / max / share ≤ 2 | ${started.dynamoDbRoundTripsBeforeFirstByte.p50} / ${started.dynamoDbRoundTripsBeforeFirstByte.max} / ${started.dynamoDbRoundTripsBeforeFirstByte.share2} % |

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
