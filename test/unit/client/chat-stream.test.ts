import { describe, expect, it } from 'vitest';
import {
  CareGuideApiError,
  CareGuideNetworkError,
  type ChatStreamEvent,
  createCareGuideClient,
} from '../../../client/index';
import { delta, event, fakeFetch, json, sse, started } from './fake-fetch';

const question = { query: 'How long should I sleep?', session_id: 'sess_1', room_id: 'room_1' };

function clientWith(fetch: typeof globalThis.fetch, extra: { attempts?: number } = {}) {
  const delays: number[] = [];
  let tokens = 0;
  const client = createCareGuideClient({
    baseUrl: 'http://api.test/',
    fetch,
    // Async, and a new one each time: the client must ask before every request.
    token: async () => `token-${++tokens}`,
    retry: { attempts: extra.attempts ?? 3, initialDelayMs: 100, maxDelayMs: 1_000 },
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 1,
  });
  return { client, delays };
}

async function collect(stream: AsyncIterable<ChatStreamEvent>) {
  const events: ChatStreamEvent[] = [];
  for await (const item of stream) events.push(item);
  return events;
}

const text = (events: readonly ChatStreamEvent[]) =>
  events.flatMap((item) => (item.status === 'streaming' ? [item.content] : [])).join('');

describe('chat.send', () => {
  it('posts the question with a request id and yields the typed events until the terminal one', async () => {
    const { fetch, requests } = fakeFetch(
      // Split mid-line and with CRLF: the parser must reassemble both.
      sse([
        event(started(), 0).slice(0, 17),
        event(started(), 0).slice(17),
        event(delta(1, 'Seven'), 1).replaceAll('\n', '\r\n'),
        event(delta(2, ' hours'), 2),
        event(
          {
            status: 'completed',
            message_id: 'msg_1_a',
            usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
          },
          3,
        ),
      ]),
    );
    const { client } = clientWith(fetch);

    const stream = client.chat.send(question);
    const events = await collect(stream);

    expect(events.map((item) => item.status)).toEqual(['started', 'streaming', 'streaming', 'completed']);
    expect(stream.text).toBe('Seven hours');
    expect(stream.streamId).toBe('stream_1');
    expect(stream.result?.status).toBe('completed');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe('http://api.test/api/chat/message');
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.headers.get('authorization')).toBe('Bearer token-1');
    expect(requests[0]?.body).toMatchObject({ ...question, request_id: stream.requestId });
    expect(stream.requestId).toMatch(/^req-/);
  });

  it('resumes a dropped answer with Last-Event-ID and loses or repeats no delta', async () => {
    const { fetch, requests } = fakeFetch(
      sse([event(started(), 0), event(delta(1, 'A'), 1), event(delta(2, 'B'), 2)], { drop: true }),
      // The replay overlaps (seq 2 again): the client must not repeat it.
      sse([
        event(delta(2, 'B'), 2),
        event(delta(3, 'C'), 3),
        event({ status: 'cancelled', partial_response: 'ABC' }, 4),
      ]),
    );
    const { client, delays } = clientWith(fetch);

    const events = await collect(client.chat.send(question));

    expect(text(events)).toBe('ABC');
    expect(events.filter((item) => item.status === 'started')).toHaveLength(1);
    expect(events.at(-1)).toEqual({ status: 'cancelled', partial_response: 'ABC' });
    expect(requests[1]?.method).toBe('GET');
    expect(requests[1]?.url).toBe('http://api.test/api/chat/streams/stream_1/events');
    expect(requests[1]?.headers.get('last-event-id')).toBe('2');
    expect(requests[1]?.headers.get('authorization')).toBe('Bearer token-2');
    expect(delays).toEqual([100]);
  });

  it('resumes when the connection ends cleanly but without a terminal event', async () => {
    const { fetch, requests } = fakeFetch(
      sse([event(started(), 0)]),
      sse([event(delta(1, 'Hi'), 1), event({ status: 'error', code: 'MODEL_ERROR', message: 'failed' }, 2)]),
    );
    const { client } = clientWith(fetch);

    const events = await collect(client.chat.send(question));

    expect(events.map((item) => item.status)).toEqual(['started', 'streaming', 'error']);
    expect(requests[1]?.headers.get('last-event-id')).toBe('0');
  });

  it('derives the resume point from seq when the server sends no id lines', async () => {
    const { fetch, requests } = fakeFetch(
      sse([event(started()), event(delta(1, 'x')), event(delta(2, 'y'))], { drop: true }),
      sse([event({ status: 'cancelled', partial_response: 'xy' })]),
    );
    const { client } = clientWith(fetch);

    await collect(client.chat.send(question));

    expect(requests[1]?.headers.get('last-event-id')).toBe('2');
  });

  it('retries a failing resume with growing backoff, then gives up with a network error', async () => {
    const unavailable = () => json(503, { error: { code: 'INTERNAL', message: 'busy', details: [] } });
    const { fetch, requests } = fakeFetch(
      sse([event(started(), 0), event(delta(1, 'A'), 1)], { drop: true }),
      new TypeError('fetch failed'),
      unavailable(),
      unavailable(),
    );
    const { client, delays } = clientWith(fetch, { attempts: 3 });
    const stream = client.chat.send(question);
    const seen: ChatStreamEvent[] = [];

    const failure = (async () => {
      for await (const item of stream) seen.push(item);
    })();

    await expect(failure).rejects.toBeInstanceOf(CareGuideNetworkError);
    expect(seen.map((item) => item.status)).toEqual(['started', 'streaming']);
    expect(requests).toHaveLength(4);
    expect(delays).toEqual([100, 200, 400]);
  });

  it('starts counting failures again after a resume brings new events', async () => {
    const { fetch } = fakeFetch(
      sse([event(started(), 0), event(delta(1, 'A'), 1)], { drop: true }),
      sse([event(delta(2, 'B'), 2)], { drop: true }),
      sse([event(delta(3, 'C'), 3)], { drop: true }),
      sse([event({ status: 'cancelled', partial_response: 'ABC' }, 4)]),
    );
    const { client, delays } = clientWith(fetch, { attempts: 1 });

    const events = await collect(client.chat.send(question));

    expect(text(events)).toBe('ABC');
    expect(delays).toEqual([100, 100, 100]);
  });

  it('stops resuming when the stream log is gone (410) and says so with the code', async () => {
    const { fetch } = fakeFetch(
      sse([event(started(), 0)], { drop: true }),
      json(410, { error: { code: 'STREAM_GONE', message: 'The stream log has expired', details: [] } }),
    );
    const { client } = clientWith(fetch);

    const failure = collect(client.chat.send(question));

    await expect(failure).rejects.toMatchObject({
      name: 'CareGuideApiError',
      status: 410,
      code: 'STREAM_GONE',
    });
  });

  it('does not resend a question whose connection broke before it started', async () => {
    const { fetch, requests } = fakeFetch(sse([], { drop: true }));
    const { client } = clientWith(fetch);

    await expect(collect(client.chat.send(question))).rejects.toBeInstanceOf(CareGuideNetworkError);
    expect(requests).toHaveLength(1);
  });

  it('throws the JSON error of a request refused before the first byte, with code and status', async () => {
    const { fetch } = fakeFetch(
      json(429, { error: { code: 'STREAM_LIMIT_REACHED', message: 'Too many live streams', details: [] } }),
    );
    const { client } = clientWith(fetch);

    const failure = collect(client.chat.send(question));

    await expect(failure).rejects.toBeInstanceOf(CareGuideApiError);
    await expect(failure).rejects.toMatchObject({ status: 429, code: 'STREAM_LIMIT_REACHED' });
  });

  it('stops by request id before the answer started, and by stream id after', async () => {
    const stopped = { session_id: 'sess_1', stopped: true, stream_id: 'stream_1', partial_response: '' };
    const { fetch, requests } = fakeFetch(
      json(200, { data: stopped }),
      sse([event(started(), 0), event({ status: 'cancelled', partial_response: '' }, 1)]),
      json(200, { data: stopped }),
    );
    const { client } = clientWith(fetch);
    const stream = client.chat.send({ ...question, request_id: 'q-42' });

    await stream.stop();
    await collect(stream);
    const result = await stream.stop();

    expect(requests[0]?.url).toBe('http://api.test/api/session/sess_1/stop');
    expect(requests[0]?.body).toEqual({ request_id: 'q-42' });
    expect(requests[2]?.body).toEqual({ stream_id: 'stream_1' });
    expect(result).toEqual(stopped);
  });

  it('cancels the download when the caller leaves the loop early, and does not resume', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(event(started(), 0)));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { fetch, requests } = fakeFetch(
      new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    );
    const { client } = clientWith(fetch);

    for await (const item of client.chat.send(question)) {
      expect(item.status).toBe('started');
      break;
    }

    expect(cancelled).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('gives up waiting to resume when the caller aborts', async () => {
    const controller = new AbortController();
    const { fetch, requests } = fakeFetch(sse([event(started(), 0)], { drop: true }));
    const client = createCareGuideClient({
      baseUrl: 'http://api.test',
      token: () => 't',
      fetch,
      retry: { initialDelayMs: 60_000 },
    });

    const failure = (async () => {
      for await (const item of client.chat.send(question, { signal: controller.signal })) {
        if (item.status === 'started') queueMicrotask(() => controller.abort());
      }
    })();

    await expect(failure).rejects.toMatchObject({ name: 'AbortError' });
    expect(requests).toHaveLength(1);
  });
});

describe('chat.follow', () => {
  it('replays a running stream from the start (after a page reload) and retries its first connection', async () => {
    const { fetch, requests } = fakeFetch(
      new TypeError('fetch failed'),
      sse([
        event(started('stream_9'), 0),
        event(delta(1, 'Hello'), 1),
        event({ status: 'cancelled', partial_response: 'Hello' }, 2),
      ]),
    );
    const { client } = clientWith(fetch);

    const stream = client.chat.follow('stream_9');
    const events = await collect(stream);

    expect(text(events)).toBe('Hello');
    expect(stream.streamId).toBe('stream_9');
    expect(requests[1]?.url).toBe('http://api.test/api/chat/streams/stream_9/events');
    expect(requests[1]?.headers.has('last-event-id')).toBe(false);
  });

  it('follows from a given event: never repeats what the caller has, and resumes from where it got', async () => {
    const { fetch, requests } = fakeFetch(
      // A server that ignored the header would replay from the start: the client skips the overlap.
      sse(
        [
          event(started('stream_9'), 0),
          event(delta(1, 'A'), 1),
          event(delta(2, 'B'), 2),
          event(delta(3, 'C'), 3),
        ],
        {
          drop: true,
        },
      ),
      sse([event({ status: 'cancelled', partial_response: 'ABC' }, 4)]),
    );
    const { client } = clientWith(fetch);

    const events = await collect(client.chat.follow('stream_9', { lastEventId: 2 }));

    expect(events).toEqual([delta(3, 'C'), { status: 'cancelled', partial_response: 'ABC' }]);
    expect(requests.map((request) => request.headers.get('last-event-id'))).toEqual(['2', '3']);
  });

  it('sends the stream routes to their own URLs when the API and function URLs differ (AWS)', async () => {
    const { fetch, requests } = fakeFetch(sse([event({ status: 'cancelled', partial_response: '' }, 5)]));
    const client = createCareGuideClient({
      baseUrl: 'https://api.example',
      streamUrls: { streamEvents: 'https://events.lambda-url.example/' },
      token: () => 't',
      fetch,
    });

    await collect(client.chat.follow('stream_9', { lastEventId: 4 }));

    expect(requests[0]?.url).toBe('https://events.lambda-url.example/api/chat/streams/stream_9/events');
    expect(requests[0]?.headers.get('last-event-id')).toBe('4');
  });
});
