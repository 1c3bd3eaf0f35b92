/** A scripted `fetch` for client unit tests: records each request, answers from a queue. */
export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: unknown;
}

type Answer = Response | Error | ((request: RecordedRequest) => Response | Error);

export function fakeFetch(...answers: Answer[]) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request: RecordedRequest = {
      url: String(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`);
    const answer = typeof next === 'function' ? next(request) : next;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/**
 * An event-stream answer that sends `chunks` (raw SSE text, split anywhere) and then ends, or,
 * with `drop`, breaks the connection as a lost network does.
 */
export function sse(chunks: readonly string[], options: { drop?: boolean } = {}) {
  const encoder = new TextEncoder();
  const queue = [...chunks];
  // One chunk per pull: erroring a stream discards what is still queued, as a cut connection does.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = queue.shift();
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
      else if (options.drop) controller.error(new TypeError('terminated: other side closed'));
      else controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

/** One SSE event as the server writes it. */
export const event = (data: unknown, id?: number) =>
  `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;

export const started = (stream_id = 'stream_1') => ({
  status: 'started',
  stream_id,
  message_id: 'msg_1_a',
  request_id: 'req-1',
});
export const delta = (seq: number, content: string) => ({ status: 'streaming', content, seq });
