import type { ChatStreamEvent, StopStreamResult } from './contract';
import { CareGuideNetworkError, isApiError } from './errors';
import { clientRoutes } from './routes';
import { readServerSentEvents } from './sse';
import type { Transport } from './transport';

/**
 * An answer's stream: iterate it for the typed events (`started`, `streaming` deltas, then one of
 * `completed`, `cancelled`, `error`). When the connection drops before the terminal event, it
 * reconnects to the stream log (`GET /api/chat/streams/{stream_id}/events` with
 * `Last-Event-ID`) with backoff, and goes on where it stopped: no delta is lost or repeated.
 */
export interface ChatStream extends AsyncIterable<ChatStreamEvent> {
  /** The request's idempotency key (the client makes one when the caller gives none). */
  readonly requestId: string | undefined;
  /** Known once `started` has arrived. */
  readonly streamId: string | undefined;
  /** The SSE id of the last event received: 0 for `started`, then each delta's `seq`. */
  readonly lastEventId: number | undefined;
  /** The answer's text so far. */
  readonly text: string;
  /** The terminal event, once it has arrived. */
  readonly result: Extract<ChatStreamEvent, { status: 'completed' | 'cancelled' | 'error' }> | undefined;
  /**
   * Asks the server to stop the answer (from this or any device). The stream then ends with
   * `cancelled`, carrying exactly the text streamed; keep iterating to receive it.
   */
  stop(): Promise<StopStreamResult>;
}

export interface ChatStreamOptions {
  readonly signal?: AbortSignal;
}

type Opener = (signal: AbortSignal | undefined) => Promise<Response>;

const isTerminal = (
  event: ChatStreamEvent,
): event is Extract<ChatStreamEvent, { status: 'completed' | 'cancelled' | 'error' }> =>
  event.status === 'completed' || event.status === 'cancelled' || event.status === 'error';

const isAbort = (error: unknown) => (error as Error)?.name === 'AbortError';

function parseEvent(data: string): ChatStreamEvent | undefined {
  try {
    const value: unknown = JSON.parse(data);
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { status?: unknown }).status === 'string'
    )
      return value as ChatStreamEvent;
  } catch {
    // Not JSON: not an event of this contract; skipped like an unknown SSE field.
  }
  return undefined;
}

interface StreamSource {
  readonly transport: Transport;
  /** The first connection (the POST of a question); without it, the stream's events from `lastEventId`. */
  readonly open?: Opener;
  /** Whether the first connection may be retried (a POST is not: it could start a second answer). */
  readonly retryFirst: boolean;
  readonly requestId: string | undefined;
  readonly streamId?: string;
  /** Follow a known stream from after this event (what the caller has already seen). */
  readonly lastEventId?: number;
  readonly stop: (stream: {
    streamId: string | undefined;
    requestId: string | undefined;
  }) => Promise<StopStreamResult>;
}

export function createChatStream(source: StreamSource, options: ChatStreamOptions = {}): ChatStream {
  const { transport } = source;
  let streamId = source.streamId;
  let lastEventId = source.lastEventId;
  let lastSeq = source.lastEventId ?? 0;
  let text = '';
  let result: ChatStream['result'];
  let started = source.lastEventId !== undefined;
  let iterating = false;

  const resume = (signal: AbortSignal | undefined) =>
    transport.send(clientRoutes.streamEvents, 'streamEvents', {
      params: { stream_id: streamId ?? '' },
      headers: lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) },
      ...(signal ? { signal } : {}),
    });

  async function* events(): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const { signal } = options;
    let failures = 0;
    let response: Response | undefined;
    try {
      response = await (source.open ?? resume)(signal);
    } catch (error) {
      if (!source.retryFirst || !isRetryable(error)) throw error;
      failures = 1;
    }

    for (;;) {
      if (response?.body) {
        try {
          for await (const message of readServerSentEvents(response.body)) {
            const event = parseEvent(message.data);
            if (!event) continue;
            // A replay can overlap what was already seen (an id the server did not get): skip it.
            // The server's `id:` is the resume point; without one (an older server), the same
            // number follows from the event: 0 for `started`, else the delta's seq.
            const id = message.id !== undefined && /^\d+$/.test(message.id) ? Number(message.id) : undefined;
            if (event.status === 'started') {
              if (started) continue;
              started = true;
              streamId = event.stream_id;
              lastEventId = id ?? 0;
            } else if (event.status === 'streaming') {
              if (event.seq <= lastSeq) continue;
              lastSeq = event.seq;
              lastEventId = id ?? event.seq;
              text += event.content;
            }
            failures = 0;
            if (isTerminal(event)) result = event;
            yield event;
            if (result) return;
          }
        } catch (error) {
          if (signal?.aborted) throw signal.reason ?? error;
          if (isAbort(error)) throw error;
          // The connection broke mid-stream: reconnect below.
        }
      }
      if (!streamId) {
        throw new CareGuideNetworkError(
          'The connection closed before the answer started; the question may not have been received.',
        );
      }
      failures += 1;
      if (failures > transport.retry.attempts) {
        throw new CareGuideNetworkError(
          `The answer's connection dropped and ${transport.retry.attempts} attempts to resume it failed.`,
        );
      }
      await transport.sleep(transport.backoff(failures), signal);
      try {
        response = await resume(signal);
      } catch (error) {
        if (!isRetryable(error)) throw error;
        response = undefined;
      }
    }
  }

  return {
    get requestId() {
      return source.requestId;
    },
    get streamId() {
      return streamId;
    },
    get lastEventId() {
      return lastEventId;
    },
    get text() {
      return text;
    },
    get result() {
      return result;
    },
    stop: () => source.stop({ streamId, requestId: source.requestId }),
    [Symbol.asyncIterator]() {
      if (iterating) throw new Error('A chat stream can be iterated once.');
      iterating = true;
      return events();
    },
  };
}

function isRetryable(error: unknown): boolean {
  if (isAbort(error)) return false;
  if (error instanceof CareGuideNetworkError) return true;
  return isApiError(error) && error.retryable;
}

/** A request id for a question: lets a stop reach it before it starts, and makes a retry safe. */
export const newRequestId = (): string =>
  typeof globalThis.crypto?.randomUUID === 'function'
    ? `req-${globalThis.crypto.randomUUID()}`
    : `req-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
