// The event-stream parser: events however the bytes are cut, the format's corner cases.
import { describe, expect, it } from 'vitest';
import { EventStreamParser, readEventStream } from '../web/src/sse.ts';

const parse = (...chunks: string[]) => {
  const parser = new EventStreamParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
};

describe('EventStreamParser', () => {
  it('reads named events with JSON data', () => {
    expect(parse('event: delivery\ndata: {"a":1}\n\nevent: end\ndata: {}\n\n')).toEqual([
      { event: 'delivery', data: '{"a":1}' },
      { event: 'end', data: '{}' },
    ]);
  });

  it('gives the same events whatever the chunks, even one character at a time', () => {
    const text = 'event: fleet\r\ndata: {"n":1}\r\n\r\n: keep-alive\n\nevent: fleet\rdata: {"n":2}\r\r\n';
    const whole = parse(text);
    expect(whole).toEqual([
      { event: 'fleet', data: '{"n":1}' },
      { event: 'fleet', data: '{"n":2}' },
    ]);
    expect(parse(...text.split(''))).toEqual(whole);
  });

  it('waits for the blank line before an event is complete', () => {
    const parser = new EventStreamParser();
    expect(parser.push('event: delivery\ndata: {"a"')).toEqual([]);
    expect(parser.push(':1}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'delivery', data: '{"a":1}' }]);
  });

  it('joins data lines, defaults the name to message, keeps id and retry, ignores comments and unknown fields', () => {
    expect(parse(': hello\nid: 7\nretry: 3000\nfoo: bar\ndata: one\ndata:two\ndata\n\n')).toEqual([
      { event: 'message', data: 'one\ntwo\n', id: '7', retry: 3000 },
    ]);
  });

  it('dispatches nothing for an event without data', () => {
    expect(parse('event: ping\n\n')).toEqual([]);
  });
});

describe('readEventStream', () => {
  it('yields events from a byte stream cut inside a multi-byte character', async () => {
    const bytes = new TextEncoder().encode('event: fleet\ndata: {"name":"Zoë"}\n\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readEventStream(body)) events.push(event);
    expect(events).toEqual([{ event: 'fleet', data: '{"name":"Zoë"}' }]);
  });
});
