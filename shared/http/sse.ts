/**
 * Server-sent events as the chat stream speaks them: one `data: <json>` line per event, events
 * separated by a blank line. The one encoder (the stream handler) and the one parser (tests,
 * the benchmark and the smoke test read the stream with it).
 */
export const encodeServerSentEvent = (event: unknown): string => `data: ${JSON.stringify(event)}\n\n`;

/** Reads events from text that arrives in pieces: `push` returns the events completed so far. */
export class ServerSentEventParser {
  #buffer = '';

  push(text: string): unknown[] {
    this.#buffer += text;
    const events: unknown[] = [];
    let end = this.#buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice('data:'.length).replace(/^ /, ''));
      if (data.length > 0) events.push(JSON.parse(data.join('\n')));
      end = this.#buffer.indexOf('\n\n');
    }
    return events;
  }
}

/** Every event of a complete stream body. */
export const parseServerSentEvents = (body: string): unknown[] => new ServerSentEventParser().push(body);
