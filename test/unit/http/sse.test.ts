import { describe, expect, it } from 'vitest';
import {
  encodeServerSentEvent,
  parseServerSentEvents,
  ServerSentEventParser,
} from '../../../shared/http/sse';

describe('server-sent events', () => {
  const events = [
    { status: 'started', stream_id: 'stream_1' },
    { status: 'streaming', content: 'two\n\nlines: data: x', seq: 1 },
    { status: 'completed' },
  ];

  it('reads back what the stream handler writes', () => {
    expect(parseServerSentEvents(events.map(encodeServerSentEvent).join(''))).toEqual(events);
  });

  it('hands out each event once it is complete, however the text is cut', () => {
    const body = events.map(encodeServerSentEvent).join('');
    const parser = new ServerSentEventParser();
    const seen: unknown[][] = [];

    for (let start = 0; start < body.length; start += 7) seen.push(parser.push(body.slice(start, start + 7)));

    expect(seen.flat()).toEqual(events);
    expect(seen.filter((batch) => batch.length > 0).length).toBe(3);
  });

  it('skips blocks without data (comments, keep-alives) and takes `data:` without a space', () => {
    expect(parseServerSentEvents(': keep-alive\n\ndata:{"a":1}\n\n')).toEqual([{ a: 1 }]);
  });
});
