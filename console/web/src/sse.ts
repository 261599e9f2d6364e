// Server-sent events read from a fetch() body: EventSource cannot send an Authorization
// header, so the console parses the text/event-stream format itself (WHATWG HTML, 9.2.6).

export interface ServerSentEvent {
  /** `message` when the stream named none. */
  event: string;
  data: string;
  id?: string;
  /** The reconnection time the server asked for, in milliseconds. */
  retry?: number;
}

/** Turns text, in chunks cut anywhere, into the events it completes. */
export class EventStreamParser {
  private pending = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private retry: number | undefined;

  push(chunk: string): ServerSentEvent[] {
    this.pending += chunk;
    const events: ServerSentEvent[] = [];
    // A line ends at \n, \r\n or \r; a \r at the very end may be half of a \r\n still to come.
    for (let match = /\r\n|\r(?!$)|\n/.exec(this.pending); match; match = /\r\n|\r(?!$)|\n/.exec(this.pending)) {
      const line = this.pending.slice(0, match.index);
      this.pending = this.pending.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const event =
      this.data.length === 0
        ? undefined
        : {
            event: this.event || 'message',
            data: this.data.join('\n'),
            ...(this.id === undefined ? {} : { id: this.id }),
            ...(this.retry === undefined ? {} : { retry: this.retry }),
          };
    this.data = [];
    this.event = '';
    return event;
  }
}

/** The events of a response body, as they arrive. */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const parser = new EventStreamParser();
  // One decoder for the whole stream: a character may be split between two chunks.
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      yield* parser.push(decoder.decode(chunk.value, { stream: true }));
    yield* parser.push(decoder.decode());
  } finally {
    reader.releaseLock();
  }
}
