import { ServerSentEventParser } from '../../shared/http/sse';
import type { ChatStreamEvent } from '../../shared/schemas/chat';

/**
 * A client of the chat stream over real HTTP (used by the e2e tests and the benchmark): POSTs, then reads `data:` events as they arrive.
 * `waitFor` resolves at the first matching event; `done` when the response has ended.
 */
export interface SseStream {
  readonly status: number;
  readonly events: ChatStreamEvent[];
  /** The JSON body when the answer is not a stream (an error before the first byte). */
  readonly json: unknown;
  /** Resolves when the response has ended, normally or by a cut connection. */
  readonly done: Promise<void>;
  waitFor(predicate: (event: ChatStreamEvent) => boolean): Promise<ChatStreamEvent>;
  /** When each event arrived (performance.now()), by index. */
  readonly arrivedAt: number[];
  /** Each event's SSE `id:`, by index. */
  readonly ids: number[];
  /** Cuts the connection (a client that goes away). */
  abort(): void;
}

export function postStream(url: string, token: string, body: unknown): Promise<SseStream> {
  return openStream(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** GET /api/chat/streams/{id}/events, from `Last-Event-ID` when given. */
export function resumeStream(url: string, token: string, lastEventId?: number): Promise<SseStream> {
  return openStream(url, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
    },
  });
}

async function openStream(url: string, init: RequestInit): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  const events: ChatStreamEvent[] = [];
  const arrivedAt: number[] = [];
  const ids: number[] = [];
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const json: unknown = await response.json();
    return {
      status: response.status,
      events,
      json,
      done: Promise.resolve(),
      arrivedAt,
      ids,
      abort: () => controller.abort(),
      waitFor: () => Promise.reject(new Error('not a stream')),
    };
  }
  const waiters = new Set<() => void>();
  let ended = false;
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const done = (async () => {
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    const parser = new ServerSentEventParser();
    while (reader) {
      const { value, done: finished } = await reader.read();
      if (finished) break;
      for (const { id, data } of parser.pushWithIds(decoder.decode(value, { stream: true }))) {
        events.push(data as ChatStreamEvent);
        arrivedAt.push(performance.now());
        ids.push(id);
      }
      notify();
    }
  })()
    // A connection cut (a killed server) ends the stream too; the events so far tell what happened.
    .catch(() => undefined)
    .finally(() => {
      ended = true;
      notify();
    });
  return {
    status: response.status,
    events,
    json: undefined,
    done,
    arrivedAt,
    ids,
    abort: () => controller.abort(),
    waitFor(predicate) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found) {
            waiters.delete(check);
            resolve(found);
          } else if (ended) {
            waiters.delete(check);
            reject(
              new Error(`the stream ended without the awaited event: ${JSON.stringify(events.slice(-3))}`),
            );
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

export const terminalEvent = (events: readonly ChatStreamEvent[]) =>
  events.find(
    (event) => event.status === 'completed' || event.status === 'cancelled' || event.status === 'error',
  );

export const streamedText = (events: readonly ChatStreamEvent[]) =>
  events.flatMap((event) => (event.status === 'streaming' ? [event.content] : [])).join('');
