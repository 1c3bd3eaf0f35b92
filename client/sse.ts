import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * The events of a `text/event-stream` body, as they arrive. Parsing is eventsource-parser's
 * (the WHATWG rules: multi-line data, `id:`, comments, CRLF); this only feeds it the bytes.
 * Ends when the body ends; rejects when the connection breaks or the signal aborts.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => ready.push(event) });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (ready.length > 0) yield ready.shift() as EventSourceMessage;
    }
  } finally {
    // Stops the download when the caller leaves early (break, return or an error).
    reader.cancel().catch(() => undefined);
  }
}
