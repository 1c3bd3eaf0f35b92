import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  createCareGuideClient,
  type EventSubscription,
  type RealtimeEvent,
  type SubscriptionState,
  type WebSocketConstructor,
} from '../../../client/index';

/**
 * The events subscription against a real WebSocket server (the `ws` package) on a free port,
 * standing in for the gateway's `/ws`: frames, ping/pong, reconnects, the token in the URL.
 */
interface TestServer {
  readonly url: string;
  readonly server: WebSocketServer;
  /** The request URL of each connection, in order. */
  readonly connections: string[];
  /** Resolves at the n-th connection (1-based). */
  connection(n: number): Promise<WebSocket>;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const subscriptions: EventSubscription[] = [];

async function startServer(options: { answerPings?: boolean } = {}): Promise<TestServer> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const connections: string[] = [];
  const sockets: WebSocket[] = [];
  const waiters: { n: number; resolve: (socket: WebSocket) => void }[] = [];
  server.on('connection', (socket, request) => {
    connections.push(request.url ?? '');
    sockets.push(socket);
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { action?: string };
      if (message.action === 'ping' && options.answerPings !== false)
        socket.send(JSON.stringify({ type: 'pong' }));
    });
    for (const waiter of waiters.filter((candidate) => candidate.n === sockets.length))
      waiter.resolve(socket);
  });
  const testServer: TestServer = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`,
    server,
    connections,
    connection: (n) =>
      new Promise((resolve) => {
        const existing = sockets[n - 1];
        if (existing) resolve(existing);
        else waiters.push({ n, resolve });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
  servers.push(testServer);
  return testServer;
}

afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) subscription.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function subscribe(server: TestServer, options: { pingIntervalMs?: number; maxAttempts?: number } = {}) {
  const events: RealtimeEvent[] = [];
  const states: { state: SubscriptionState; reconnected: boolean }[] = [];
  let tokens = 0;
  const client = createCareGuideClient({
    baseUrl: 'http://unused.test',
    websocketUrl: server.url,
    token: async () => `token-${++tokens}`,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    retry: { initialDelayMs: 5, maxDelayMs: 20 },
  });
  const subscription = client.events({
    onEvent: (event) => events.push(event),
    onStateChange: (state, info) => states.push({ state, reconnected: info.reconnected }),
    ...options,
  });
  subscriptions.push(subscription);
  return { subscription, events, states };
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
};

const roomCreated = {
  type: 'room.created',
  at: '2026-01-01T00:00:00.000Z',
  room_id: 'room_1',
  data: { room_id: 'room_1', room_name: 'Sleep' },
};

describe('client.events', () => {
  it('connects with the token in the query string and delivers the frames, not the pongs', async () => {
    const server = await startServer();
    const { events, states } = subscribe(server, { pingIntervalMs: 5 });
    const socket = await server.connection(1);

    socket.send(JSON.stringify({ type: 'pong' }));
    socket.send('not json');
    socket.send(JSON.stringify(roomCreated));
    await until(() => events.length === 1);

    expect(server.connections[0]).toBe('/ws?token=token-1');
    expect(events).toEqual([roomCreated]);
    expect(states[0]).toEqual({ state: 'connecting', reconnected: false });
    expect(states).toContainEqual({ state: 'open', reconnected: false });
  });

  it('pings, and answers nothing to the caller for it', async () => {
    const server = await startServer();
    const pings: string[] = [];
    server.server.on('connection', (socket) => socket.on('message', (raw) => pings.push(String(raw))));
    const { events } = subscribe(server, { pingIntervalMs: 5 });

    await until(() => pings.length >= 2);

    expect(pings[0]).toBe('{"action":"ping"}');
    expect(events).toEqual([]);
  });

  it('reconnects with a fresh token after the server drops the connection, and says it reconnected', async () => {
    const server = await startServer();
    const { events, states } = subscribe(server);
    (await server.connection(1)).terminate();

    const second = await server.connection(2);
    second.send(JSON.stringify(roomCreated));
    await until(() => events.length === 1);

    expect(server.connections).toEqual(['/ws?token=token-1', '/ws?token=token-2']);
    expect(states.map((entry) => entry.state)).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(states.at(-1)?.reconnected).toBe(true);
  });

  it('takes a connection whose ping goes unanswered as dead, and opens another', async () => {
    const server = await startServer({ answerPings: false });
    const { states } = subscribe(server, { pingIntervalMs: 10 });

    await server.connection(2);

    expect(states.map((entry) => entry.state).slice(0, 3)).toEqual(['connecting', 'open', 'reconnecting']);
  });

  it('keeps retrying while the server refuses the handshake, then stops after maxAttempts', async () => {
    const server = await startServer();
    server.server.options.verifyClient = (_info: unknown, done: (ok: boolean, code?: number) => void) =>
      done(false, 401);
    const { states } = subscribe(server, { maxAttempts: 3 });

    await until(() => states.at(-1)?.state === 'closed');

    expect(states.filter((entry) => entry.state === 'reconnecting')).toHaveLength(3);
    expect(server.connections).toEqual([]);
  });

  it('stops for good when closed by the caller', async () => {
    const server = await startServer();
    const { subscription, states } = subscribe(server);
    await server.connection(1);
    await until(() => subscription.state === 'open');

    subscription.close();
    await until(() => server.server.clients.size === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(subscription.state).toBe('closed');
    expect(server.connections).toHaveLength(1);
    expect(states.at(-1)?.state).toBe('closed');
  });
});
