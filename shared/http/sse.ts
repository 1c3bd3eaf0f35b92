import { createParser } from 'eventsource-parser';

/**
 * Server-sent events as the stream endpoints speak them: an `id:` line (what a client resumes
 * from with `Last-Event-ID`) and one `data: <json>` line per event, events separated by a blank
 * line. The one encoder (the stream handler) and the one parser (tests, the benchmark and the
 * smoke test read streams with it; the typed client uses the same library, eventsource-parser).
 */
export const encodeServerSentEvent = (event: unknown, id?: number): string =>
  `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(event)}\n\n`;

/** One parsed event: its JSON and its `id:` (NaN when it had none). */
export interface ParsedServerSentEvent {
  readonly id: number;
  readonly data: unknown;
}

/** Reads events from text that arrives in pieces: `push` returns the events completed so far. */
export class ServerSentEventParser {
  readonly #completed: ParsedServerSentEvent[] = [];
  readonly #parser = createParser({
    onEvent: (event) => {
      this.#completed.push({
        id: event.id === undefined ? Number.NaN : Number(event.id),
        data: JSON.parse(event.data),
      });
    },
  });

  /** The events completed by this piece of text, with their ids. */
  pushWithIds(text: string): ParsedServerSentEvent[] {
    this.#parser.feed(text);
    return this.#completed.splice(0);
  }

  /** The events completed by this piece of text. */
  push(text: string): unknown[] {
    return this.pushWithIds(text).map((event) => event.data);
  }
}

/** Every event of a complete stream body. */
export const parseServerSentEvents = (body: string): unknown[] => new ServerSentEventParser().push(body);
