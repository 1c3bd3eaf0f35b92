import type { ServerResponse } from 'node:http';
import { LocalResponseStream, type StreamingHandler } from '../../local/awslambda-shim';
import { parseServerSentEvents } from '../../shared/http/sse';
import type { ChatStreamEvent } from '../../shared/schemas/chat';
import { type ApiEventInput, apiEvent, testContext } from './api-event';

/**
 * Invokes a response-streaming handler (middy `streamifyResponse`) the way the local gateway
 * does, through the `awslambda` shim's LocalResponseStream, into an in-memory response: its
 * status and headers, the raw body, and the SSE events as they arrive.
 */
class MemoryResponse {
  status: number | undefined;
  headers: Record<string, string> = {};
  body = '';
  headersSent = false;
  destroyed = false;
  writableEnded = false;
  readonly #listeners = new Set<() => void>();

  writeHead(status: number, headers: Record<string, string>) {
    this.status = status;
    this.headers = headers;
    this.headersSent = true;
    this.#notify();
  }

  flushHeaders() {}

  write(chunk: Buffer | string, callback?: () => void) {
    this.body += chunk.toString();
    this.#notify();
    callback?.();
    return true;
  }

  end() {
    this.writableEnded = true;
    this.#notify();
  }

  #notify() {
    for (const listener of this.#listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The `data:` of each event (every event also has an `id:` line before it). */
export const parseEvents = (body: string): ChatStreamEvent[] =>
  parseServerSentEvents(body) as ChatStreamEvent[];

export interface StreamInvocation {
  /** Resolves when the handler has returned and the body is complete. */
  readonly done: Promise<void>;
  status(): number | undefined;
  headers(): Record<string, string>;
  events(): ChatStreamEvent[];
  /** The body as sent (a download's text). */
  body(): string;
  /** The JSON body of an error answer. */
  json(): { error: { code: string; message: string; details: { path?: string }[] } };
  /** Waits for the first event that matches (or rejects if the stream ends without it). */
  waitFor(predicate: (event: ChatStreamEvent) => boolean): Promise<ChatStreamEvent>;
}

export function invokeStream(handler: unknown, input: ApiEventInput & { token?: string }): StreamInvocation {
  const memory = new MemoryResponse();
  const stream = new LocalResponseStream(memory as unknown as ServerResponse);
  const headers = { ...input.headers, ...(input.token ? { authorization: `Bearer ${input.token}` } : {}) };
  const done = (handler as StreamingHandler)(
    apiEvent({ method: 'POST', path: '/api/chat/message', ...input, headers }),
    stream,
    testContext('sendChatMessage'),
  ).then(() => {
    if (!stream.writableFinished) stream.end();
  });
  return {
    done,
    status: () => memory.status,
    headers: () => memory.headers,
    events: () => parseEvents(memory.body),
    body: () => memory.body,
    json: () => JSON.parse(memory.body),
    waitFor(predicate) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = parseEvents(memory.body).find(predicate);
          if (found) {
            stop();
            resolve(found);
          } else if (memory.writableEnded) {
            stop();
            reject(new Error(`stream ended without the awaited event: ${memory.body}`));
          }
        };
        const stop = memory.onChange(check);
        check();
      });
    },
  };
}
