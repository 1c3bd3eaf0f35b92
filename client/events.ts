import type { RealtimeEvent } from './contract';
import type { TokenProvider } from './transport';

/**
 * What the subscription needs of a WebSocket: the browser's, Node 22+'s global, or the `ws`
 * package's on Node 20 (`import { WebSocket } from 'ws'`).
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type SubscriptionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface EventSubscriptionOptions {
  /** Every change the server reports (rooms, sessions, messages, streams) of the signed-in user. */
  readonly onEvent: (event: RealtimeEvent) => void;
  /**
   * The connection's state. After a reconnect (`open` with `reconnected: true`) events sent
   * while it was down are lost: reload what the screen shows.
   */
  readonly onStateChange?: (
    state: SubscriptionState,
    info: { reconnected: boolean; attempt: number },
  ) => void;
  /** A ping keeps the connection from idling out (API Gateway closes it after 10 idle minutes). Default 60 s. */
  readonly pingIntervalMs?: number;
  /** Give up after this many consecutive failed connections. Default: never. */
  readonly maxAttempts?: number;
}

export interface EventSubscription {
  readonly state: SubscriptionState;
  close(): void;
}

export interface EventsDependencies {
  readonly url: string;
  readonly token: TokenProvider;
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly backoff: (attempt: number) => number;
  readonly setTimer?: (callback: () => void, ms: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
}

const OPEN = 1;
/** A close code of our own: the ping went unanswered, so the connection is taken as dead. */
const CLOSE_NO_PONG = 4000;

function frameText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data))
    return new TextDecoder().decode(data as ArrayBuffer);
  return undefined;
}

/**
 * The events subscription: one WebSocket (`?token=<JWT>`, since browsers cannot set headers on
 * one), reconnected with backoff whenever it closes, pinged so that a dead connection is noticed
 * and an idle one kept open.
 */
export function subscribeToEvents(
  deps: EventsDependencies,
  options: EventSubscriptionOptions,
): EventSubscription {
  const Ctor = deps.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) {
    throw new TypeError(
      'No WebSocket implementation: pass one as the client option `WebSocket` (on Node 20: the `ws` package).',
    );
  }
  const setTimer = deps.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
  const clearTimer = deps.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  const pingIntervalMs = options.pingIntervalMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;

  let state: SubscriptionState = 'connecting';
  let socket: WebSocketLike | undefined;
  let failures = 0;
  let everOpened = false;
  let closedByCaller = false;
  let pingTimer: unknown;
  let retryTimer: unknown;
  let awaitingPong = false;

  const setState = (next: SubscriptionState, reconnected = false) => {
    state = next;
    options.onStateChange?.(next, { reconnected, attempt: failures });
  };

  const schedulePing = () => {
    pingTimer = setTimer(() => {
      if (!socket || socket.readyState !== OPEN) return;
      if (awaitingPong) {
        socket.close(CLOSE_NO_PONG, 'no pong');
        return;
      }
      awaitingPong = true;
      socket.send(JSON.stringify({ action: 'ping' }));
      schedulePing();
    }, pingIntervalMs);
  };

  const connect = async () => {
    let token: string | undefined;
    try {
      token = await deps.token();
    } catch {
      token = undefined;
    }
    if (closedByCaller) return;
    const separator = deps.url.includes('?') ? '&' : '?';
    const url = token ? `${deps.url}${separator}token=${encodeURIComponent(token)}` : deps.url;
    const current = new Ctor(url);
    socket = current;
    current.onopen = () => {
      if (socket !== current) return;
      const reconnected = everOpened;
      everOpened = true;
      failures = 0;
      awaitingPong = false;
      setState('open', reconnected);
      schedulePing();
    };
    current.onmessage = (message) => {
      if (socket !== current) return;
      // Any frame proves the connection alive.
      awaitingPong = false;
      const text = frameText(message.data);
      if (text === undefined) return;
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        return;
      }
      const type = (frame as { type?: unknown } | null)?.type;
      if (typeof type !== 'string' || type === 'pong' || type === 'error') return;
      options.onEvent(frame as RealtimeEvent);
    };
    current.onerror = () => {
      // A close event follows every error; the reconnect happens there.
    };
    current.onclose = () => {
      if (socket !== current) return;
      clearTimer(pingTimer);
      socket = undefined;
      if (closedByCaller) return;
      failures += 1;
      if (failures > maxAttempts) {
        setState('closed');
        return;
      }
      setState('reconnecting');
      retryTimer = setTimer(() => void connect(), deps.backoff(failures));
    };
  };

  setState('connecting');
  void connect();

  return {
    get state() {
      return state;
    },
    close() {
      if (closedByCaller) return;
      closedByCaller = true;
      clearTimer(pingTimer);
      clearTimer(retryTimer);
      const current = socket;
      socket = undefined;
      current?.close(1000, 'closed by the client');
      setState('closed');
    },
  };
}
