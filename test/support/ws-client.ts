import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/** A frame as received, with when it arrived (performance.now()). */
export interface ReceivedFrame {
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON frames.
  readonly frame: any;
  readonly arrivedAt: number;
}

export interface EventSocket {
  readonly socket: WebSocket;
  readonly received: ReceivedFrame[];
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON frames.
  waitFor(predicate: (frame: any) => boolean, timeoutMs?: number): Promise<ReceivedFrame>;
  send(message: unknown): void;
  close(): Promise<void>;
}

export type OpenResult =
  | { readonly kind: 'open'; readonly socket: EventSocket }
  | { readonly kind: 'refused'; readonly status: number };

/** `ws://<gateway>/ws?token=...` (or a deployed `wss://...` URL), as a browser would open it. */
export function webSocketUrl(base: string, token: string | undefined): string {
  const url = new URL(base.replace(/^http/, 'ws'));
  if (!url.pathname.endsWith('/ws') && url.protocol === 'ws:') url.pathname = '/ws';
  if (token !== undefined) url.searchParams.set('token', token);
  return url.toString();
}

export function openSocket(url: string): Promise<OpenResult> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const received: ReceivedFrame[] = [];
    const waiters = new Set<() => void>();
    socket.on('message', (data) => {
      received.push({ frame: JSON.parse(data.toString()), arrivedAt: performance.now() });
      for (const wake of [...waiters]) wake();
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve({ kind: 'refused', status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
    socket.once('open', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve({
        kind: 'open',
        socket: {
          socket,
          received,
          waitFor(predicate, timeoutMs = 10_000) {
            return new Promise((resolveWait, rejectWait) => {
              const check = () => {
                const found = received.find((item) => predicate(item.frame));
                if (!found) return false;
                waiters.delete(check);
                clearTimeout(timer);
                resolveWait(found);
                return true;
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                rejectWait(
                  new Error(
                    `no matching frame in ${timeoutMs} ms; got ${received.map((r) => r.frame.type).join(', ')}`,
                  ),
                );
              }, timeoutMs);
              if (!check()) waiters.add(check);
            });
          },
          send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
          close: () =>
            new Promise<void>((resolveClose) => {
              if (socket.readyState === WebSocket.CLOSED) return resolveClose();
              socket.once('close', () => resolveClose());
              socket.close();
            }),
        },
      });
    });
  });
}

/** Opens a socket that must be accepted. */
export async function connect(url: string): Promise<EventSocket> {
  const result = await openSocket(url);
  if (result.kind !== 'open') throw new Error(`WebSocket refused with ${result.status}`);
  return result.socket;
}
