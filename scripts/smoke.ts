import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { ServerSentEventParser } from '../shared/http/sse';
import type { HttpMethod } from '../shared/routes/route-definition';
import { routeTable } from '../shared/routes/route-table';
import { type EventSocket, openSocket } from '../test/support/ws-client';

/**
 * `npm run smoke -- <outputs.json> [--stack <name>]`: end-to-end checks against a deployed
 * stack (the file `cdk deploy --outputs-file` writes) or a local gateway (the same shape:
 * `{ "CareGuide-local": { "ApiUrl": "http://127.0.0.1:3000", "StreamUrl": "http://127.0.0.1:3000" } }`).
 *
 * The bearer token comes from env SMOKE_TOKEN (a Cognito ID token on AWS, see the README), or
 * is minted with `POST /local/token` when the API is a local gateway. Steps whose routes are not
 * in the route table are skipped with a note; each step prints PASS, FAIL or SKIP, and the
 * process exits 1 when any step failed. The checks leave nothing behind: the room they create
 * is deleted at the end (soft delete; the purge job removes it after the retention window).
 *
 * With a `WebSocketUrl` output (locally `ws://127.0.0.1:3000/ws`), a socket is opened before the
 * room is created (a handshake without a token must fail with 401; ping → pong) and must receive
 * the events of everything the checks do: room, session, stream, messages, the room's delete.
 */

export type StepStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface StepResult {
  readonly step: string;
  readonly status: StepStatus;
  readonly detail: string;
  readonly ms: number;
}

export interface SmokeTargets {
  readonly stackName: string;
  readonly apiUrl: string;
  readonly streamUrl?: string;
  /** `wss://<api>.execute-api.<region>.amazonaws.com/<stage>` (locally `ws://<gateway>/ws`). */
  readonly webSocketUrl?: string;
}

export interface SmokeOptions {
  readonly targets: SmokeTargets;
  /** @default env SMOKE_TOKEN, else a token from POST /local/token */
  readonly token?: string;
  /** The user a local token is minted for. @default `smoke-<random>` (a fresh user: no limits hit) */
  readonly localUserId?: string;
  /** Each line of the report. @default console.log */
  readonly log?: (line: string) => void;
  /** Per request (streams: per stream). @default 30 s (streams 120 s) */
  readonly timeoutMs?: number;
}

const stackOutputsSchema = z
  .object({
    ApiUrl: z.url(),
    StreamUrl: z.url().optional(),
    WebSocketUrl: z.url({ protocol: /^wss?$/ }).optional(),
  })
  .loose();
const outputsFileSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

/** The targets of one stack in an outputs file; `stackName` picks one when the file holds several. */
export function readOutputs(file: string, stackName?: string): SmokeTargets {
  const parsed = outputsFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: expected { "<stack>": { "ApiUrl": ..., ... } }`);
  const stacks = Object.keys(parsed.data);
  const name = stackName ?? (stacks.length === 1 ? stacks[0] : undefined);
  if (!name || !parsed.data[name]) {
    throw new Error(
      `${file}: name the stack with --stack (stacks in the file: ${stacks.join(', ') || 'none'})`,
    );
  }
  const outputs = stackOutputsSchema.safeParse(parsed.data[name]);
  if (!outputs.success) throw new Error(`${file}: stack ${name} has no valid ApiUrl output`);
  return {
    stackName: name,
    apiUrl: outputs.data.ApiUrl,
    ...(outputs.data.StreamUrl ? { streamUrl: outputs.data.StreamUrl } : {}),
    ...(outputs.data.WebSocketUrl ? { webSocketUrl: outputs.data.WebSocketUrl } : {}),
  };
}

/** The WebSocket URL with the token in its query string (browsers cannot set headers). */
const withToken = (url: string, token: string | undefined): string => {
  const parsed = new URL(url);
  if (token !== undefined) parsed.searchParams.set('token', token);
  return parsed.toString();
};

/** `https://x.execute-api.../` + `/api/me` → `https://x.execute-api.../api/me`. */
const join = (base: string, path: string): string => `${base.replace(/\/+$/, '')}${path}`;

const routeExists = (method: HttpMethod, path: string): boolean =>
  routeTable.some((route) => route.method === method && route.path === path);

interface JsonResponse {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the checks read arbitrary JSON bodies.
  readonly body: any;
}

class StepFailure extends Error {}
class StepSkipped extends Error {}

const expectStatus = (response: JsonResponse, status: number, what: string): void => {
  if (response.status !== status) {
    throw new StepFailure(
      `${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`,
    );
  }
};

/** One SSE stream, read to its terminal event; `onEvent` may act (e.g. issue a stop) as events arrive. */
interface StreamOutcome {
  readonly status: number;
  readonly contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: events are checked field by field.
  readonly events: any[];
  // biome-ignore lint/suspicious/noExplicitAny: a JSON error body when the stream did not start.
  readonly errorBody?: any;
}

export async function runSmoke(options: SmokeOptions): Promise<StepResult[]> {
  const { targets } = options;
  const log = options.log ?? console.log;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const results: StepResult[] = [];
  let token = options.token ?? process.env.SMOKE_TOKEN;
  let roomId: string | undefined;
  let sessionId: string | undefined;
  let streamedAnswer = false;
  let stoppedAnswer = false;
  let socket: EventSocket | undefined;

  const requestJson = async (
    method: string,
    url: string,
    init: { body?: unknown; auth?: boolean } = {},
  ): Promise<JsonResponse> => {
    const headers: Record<string, string> = {};
    if (init.auth !== false && token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, {
      method,
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text for the failure message.
    }
    return { status: response.status, body };
  };

  const stream = async (
    body: Record<string, unknown>,
    // biome-ignore lint/suspicious/noExplicitAny: see StreamOutcome.
    onEvent: (event: any) => Promise<void> = async () => {},
  ): Promise<StreamOutcome> => {
    if (!targets.streamUrl) throw new StepSkipped('no StreamUrl in the outputs');
    const response = await fetch(join(targets.streamUrl, '/api/chat/message'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(Math.max(timeoutMs, 120_000)),
    });
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream') || !response.body) {
      const text = await response.text();
      return { status: response.status, contentType, events: [], errorBody: text };
    }
    const events: unknown[] = [];
    const decoder = new TextDecoder();
    const parser = new ServerSentEventParser();
    for await (const chunk of response.body) {
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
        events.push(event);
        await onEvent(event);
      }
    }
    return { status: response.status, contentType, events };
  };

  const step = async (
    name: string,
    requires: { routes?: readonly [HttpMethod, string][]; when?: () => string | undefined },
    run: () => Promise<string>,
  ): Promise<void> => {
    const started = performance.now();
    const record = (status: StepStatus, detail: string) => {
      const result = { step: name, status, detail, ms: Math.round(performance.now() - started) };
      results.push(result);
      log(`${status.padEnd(4)}  ${name.padEnd(22)} ${`${result.ms} ms`.padStart(8)}  ${detail}`);
    };
    const missing = (requires.routes ?? []).filter(([method, path]) => !routeExists(method, path));
    if (missing.length > 0) {
      record('SKIP', `route ${missing.map(([m, p]) => `${m} ${p}`).join(', ')} is not in the route table`);
      return;
    }
    const unmet = requires.when?.();
    if (unmet) {
      record('SKIP', unmet);
      return;
    }
    try {
      record('PASS', await run());
    } catch (error) {
      if (error instanceof StepSkipped) record('SKIP', error.message);
      else
        record(
          'FAIL',
          error instanceof StepFailure
            ? error.message
            : `${(error as Error).name}: ${(error as Error).message}`,
        );
    }
  };

  const needsToken = () => (token ? undefined : 'no token (set SMOKE_TOKEN; see the README)');
  const needsRoom = () => needsToken() ?? (roomId ? undefined : 'needs the room of "create room"');
  const needsSession = () => needsRoom() ?? (sessionId ? undefined : 'needs the session of "create session"');
  const needsWebSocket = () =>
    needsToken() ?? (targets.webSocketUrl ? undefined : 'no WebSocketUrl in the outputs');

  log(`CareGuide smoke test: ${targets.stackName}`);
  log(`  API ${targets.apiUrl}${targets.streamUrl ? `, stream ${targets.streamUrl}` : ', no stream URL'}`);
  log(`  WebSocket ${targets.webSocketUrl ?? '(none)'}`);

  await step('health', { routes: [['GET', '/healthz']] }, async () => {
    const live = await requestJson('GET', join(targets.apiUrl, '/healthz'), { auth: false });
    expectStatus(live, 200, 'GET /healthz');
    if (!routeExists('GET', '/api/health')) return 'liveness ok';
    const health = await requestJson('GET', join(targets.apiUrl, '/api/health'), { auth: false });
    expectStatus(health, 200, 'GET /api/health');
    return `liveness ok; /api/health ${health.body?.data?.status} (version ${health.body?.data?.version}, model ${health.body?.data?.components?.model?.provider})`;
  });

  await step('readiness', { routes: [['GET', '/readyz']] }, async () => {
    const ready = await requestJson('GET', join(targets.apiUrl, '/readyz'), { auth: false });
    expectStatus(ready, 200, 'GET /readyz');
    return `DynamoDB reachable (${ready.body?.data?.status})`;
  });

  await step('token', {}, async () => {
    if (token) return 'from SMOKE_TOKEN';
    if (!routeExists('POST', '/local/token'))
      throw new StepFailure('no SMOKE_TOKEN and no local token route');
    const userId = options.localUserId ?? `smoke-${randomUUID().slice(0, 8)}`;
    const minted = await requestJson('POST', join(targets.apiUrl, '/local/token'), {
      auth: false,
      body: { user_id: userId },
    });
    if (minted.status !== 200 || typeof minted.body?.data?.token !== 'string') {
      throw new StepFailure(
        `no SMOKE_TOKEN, and POST /local/token answered ${minted.status} (not a local gateway?): sign a test user in and export SMOKE_TOKEN (README, "Deploying to AWS")`,
      );
    }
    token = minted.body.data.token as string;
    return `minted by POST /local/token for ${userId}`;
  });

  await step('me', { routes: [['GET', '/api/me']], when: needsToken }, async () => {
    const anonymous = await requestJson('GET', join(targets.apiUrl, '/api/me'), { auth: false });
    expectStatus(anonymous, 401, 'GET /api/me without a token');
    const me = await requestJson('GET', join(targets.apiUrl, '/api/me'));
    expectStatus(me, 200, 'GET /api/me');
    return `signed in as ${me.body?.data?.user_id}; no token → 401`;
  });

  await step('websocket', { when: needsWebSocket }, async () => {
    const url = targets.webSocketUrl ?? '';
    const anonymous = await openSocket(withToken(url, undefined));
    if (anonymous.kind === 'open') {
      await anonymous.socket.close();
      throw new StepFailure('a handshake without a token was accepted');
    }
    if (anonymous.status !== 401) throw new StepFailure(`no token → ${anonymous.status}, expected 401`);
    const opened = await openSocket(withToken(url, token));
    if (opened.kind !== 'open')
      throw new StepFailure(`the handshake with the token was refused: ${opened.status}`);
    socket = opened.socket;
    socket.send({ action: 'ping' });
    await socket.waitFor((frame) => frame.type === 'pong', timeoutMs);
    return 'connected; ping → pong; no token → 401';
  });

  await step('create room', { routes: [['POST', '/api/rooms']], when: needsToken }, async () => {
    const created = await requestJson('POST', join(targets.apiUrl, '/api/rooms'), {
      body: { room_name: `smoke ${new Date().toISOString()}` },
    });
    expectStatus(created, 201, 'POST /api/rooms');
    roomId = created.body?.data?.room_id;
    if (!roomId) throw new StepFailure(`no room_id in ${JSON.stringify(created.body)}`);
    return `room ${roomId}`;
  });

  await step('create session', { routes: [['POST', '/api/session/create']], when: needsRoom }, async () => {
    const created = await requestJson('POST', join(targets.apiUrl, '/api/session/create'), {
      body: { room_id: roomId },
    });
    expectStatus(created, 201, 'POST /api/session/create');
    sessionId = created.body?.data?.session_id;
    if (!sessionId) throw new StepFailure(`no session_id in ${JSON.stringify(created.body)}`);
    return `session ${sessionId}`;
  });

  await step('stream answer', { routes: [['POST', '/api/chat/message']], when: needsSession }, async () => {
    const outcome = await stream({
      query: 'Reply with one short sentence: what is a balanced breakfast?',
      session_id: sessionId,
      room_id: roomId,
      request_id: `smoke-${randomUUID()}`,
    });
    if (outcome.status !== 200)
      throw new StepFailure(`expected 200 text/event-stream, got ${outcome.status} ${outcome.errorBody}`);
    const [first] = outcome.events;
    const last = outcome.events.at(-1);
    const deltas = outcome.events.filter((event) => event.status === 'streaming');
    if (first?.status !== 'started')
      throw new StepFailure(`first event ${JSON.stringify(first)}, expected started`);
    if (last?.status !== 'completed')
      throw new StepFailure(`last event ${JSON.stringify(last)}, expected completed`);
    if (deltas.length === 0) throw new StepFailure('no streaming delta before completed');
    if (deltas.some((event, i) => event.seq !== i + 1))
      throw new StepFailure('delta seq is not 1, 2, 3, ...');
    streamedAnswer = true;
    const chars = deltas.reduce((sum, event) => sum + String(event.content).length, 0);
    return `${deltas.length} deltas, ${chars} chars, completed (${last.usage?.output_tokens ?? '?'} output tokens)`;
  });

  await step(
    'stop second stream',
    {
      routes: [
        ['POST', '/api/chat/message'],
        ['POST', '/api/session/{session_id}/stop'],
      ],
      when: needsSession,
    },
    async () => {
      let stop: JsonResponse | undefined;
      let stopIssuedAt = 0;
      const outcome = await stream(
        {
          query: 'Write a detailed, 600-word overview of healthy sleep habits for adults.',
          session_id: sessionId,
          room_id: roomId,
          request_id: `smoke-${randomUUID()}`,
        },
        async (event) => {
          if (event.status !== 'streaming' || stop) return;
          stopIssuedAt = performance.now();
          stop = await requestJson('POST', join(targets.apiUrl, `/api/session/${sessionId}/stop`), {
            body: {},
          });
        },
      );
      if (outcome.status !== 200)
        throw new StepFailure(`expected 200 text/event-stream, got ${outcome.status} ${outcome.errorBody}`);
      if (!stop) throw new StepFailure('the stream ended before its first delta: nothing to stop');
      expectStatus(stop, 200, 'POST /api/session/{session_id}/stop');
      const last = outcome.events.at(-1);
      if (last?.status !== 'cancelled') {
        throw new StepFailure(
          `last event ${JSON.stringify(last)}, expected cancelled (stop answered ${JSON.stringify(stop.body)})`,
        );
      }
      const seen = outcome.events
        .filter((event) => event.status === 'streaming')
        .map((event) => String(event.content))
        .join('');
      if (last.partial_response !== seen) {
        throw new StepFailure('partial_response is not the concatenation of the deltas sent before it');
      }
      stoppedAnswer = true;
      return `stopped: ${stop.body?.data?.stopped}; cancelled after ${Math.round(performance.now() - stopIssuedAt)} ms with ${seen.length} chars seen`;
    },
  );

  await step('history', { routes: [['GET', '/api/rooms/{room_id}/history']], when: needsRoom }, async () => {
    const history = await requestJson('GET', join(targets.apiUrl, `/api/rooms/${roomId}/history?order=asc`));
    expectStatus(history, 200, 'GET /api/rooms/{room_id}/history');
    const messages: { role: string; status: string }[] = history.body?.data?.messages ?? [];
    const has = (role: string, status: string) =>
      messages.some((m) => m.role === role && m.status === status);
    if (streamedAnswer && !has('assistant', 'complete'))
      throw new StepFailure('the streamed answer is not in the history');
    if (stoppedAnswer && !has('assistant', 'cancelled'))
      throw new StepFailure('the stopped answer is not in the history as cancelled');
    return `${messages.length} messages (${messages.map((m) => `${m.role}:${m.status}`).join(', ')})`;
  });

  await step('delete room', { routes: [['DELETE', '/api/rooms/{room_id}']], when: needsRoom }, async () => {
    const deleted = await requestJson('DELETE', join(targets.apiUrl, `/api/rooms/${roomId}`));
    expectStatus(deleted, 200, 'DELETE /api/rooms/{room_id}');
    if (routeExists('GET', '/api/rooms/{room_id}')) {
      const gone = await requestJson('GET', join(targets.apiUrl, `/api/rooms/${roomId}`));
      expectStatus(gone, 404, 'GET /api/rooms/{room_id} after the delete');
    }
    return `room ${roomId} deleted${routeExists('GET', '/api/rooms/{room_id}') ? ', then 404' : ''}`;
  });

  await step(
    'websocket events',
    { when: () => needsWebSocket() ?? (socket ? undefined : 'no socket') },
    async () => {
      const open = socket as EventSocket;
      try {
        const wanted = [
          ...(roomId ? [{ type: 'room.created', room_id: roomId }] : []),
          ...(sessionId ? [{ type: 'session.created', session_id: sessionId }] : []),
          ...(streamedAnswer
            ? [
                { type: 'stream.started', session_id: sessionId },
                { type: 'message.created', session_id: sessionId },
                { type: 'stream.ended', session_id: sessionId },
              ]
            : []),
          ...(roomId ? [{ type: 'room.deleted', room_id: roomId }] : []),
        ];
        for (const event of wanted) {
          await open
            .waitFor(
              (frame) => Object.entries(event).every(([key, value]) => frame[key] === value),
              Math.min(timeoutMs, 15_000),
            )
            .catch(() => {
              throw new StepFailure(
                `no ${event.type} event arrived (got: ${open.received.map((r) => r.frame.type).join(', ')})`,
              );
            });
        }
        return `${open.received.length} frames: ${[...new Set(open.received.map((r) => r.frame.type))].join(', ')}`;
      } finally {
        await open.close();
      }
    },
  );

  const count = (status: StepStatus) => results.filter((result) => result.status === status).length;
  log(`${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped`);
  return results;
}

function parseArgs(argv: readonly string[]): { file: string; stackName?: string } {
  let file: string | undefined;
  let stackName: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--stack') stackName = argv[++i];
    else if (arg && !arg.startsWith('--') && !file) file = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (!file) throw new Error('usage: npm run smoke -- <outputs.json> [--stack <name>]');
  return { file, ...(stackName ? { stackName } : {}) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const args = parseArgs(process.argv.slice(2));
    const results = await runSmoke({ targets: readOutputs(args.file, args.stackName) });
    process.exit(results.some((result) => result.status === 'FAIL') ? 1 : 0);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
