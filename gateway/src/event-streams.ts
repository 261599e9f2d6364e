// Server-sent event streams: the gateway re-reads an upstream view every poll interval and
// sends it as an event only when it changed. Each stream is capped (per caller and in total),
// closed when its caller's token expires or after a maximum age (the client reconnects), and
// ended on shutdown so the gateway drains promptly.
import { setTimeout as sleep } from 'node:timers/promises';
import { Failure, HttpProblem, problemOf, problemType, titleFor, Unavailable } from '@dronedelivery/service-kit';
import type { FastifyReply } from 'fastify';
import type { VerifiedCaller } from './auth.ts';

export interface StreamSettings {
  /** How often each stream re-reads its upstream. */
  pollMs: number;
  maxPerCaller: number;
  max: number;
  /** A stream is closed after this long; the client reconnects (EventSource does by itself). */
  maxSeconds: number;
  /** A comment line this often keeps proxies from closing a quiet stream. */
  heartbeatMs?: number;
}

/** What a stream sends: the event name, how to read its data, and when it is over. */
export interface StreamSource<T> {
  event: string;
  read(signal: AbortSignal): Promise<T>;
  /** The data compared between reads (by default all of it): a change here is a new event. */
  fingerprint?(value: T): unknown;
  /** True once nothing will change any more: `end` is sent and the stream closed. */
  finished?(value: T): boolean;
}

const HEARTBEAT_MS = 15_000;

/** The caller has as many streams open as allowed. */
export class TooManyStreams extends HttpProblem {
  constructor(max: number) {
    super(429, `At most ${max} event streams may be open per caller; close one first.`, {
      type: problemType('too-many-streams'),
      headers: { 'retry-after': '5' },
    });
  }
}

/** The problem an event `error` carries: what the caller would have got from a plain request. */
function problemFor(error: unknown): { type: string; title: string; status: number; detail: string } {
  const problem =
    error instanceof HttpProblem
      ? error
      : error instanceof Failure
        ? problemOf(error)
        : new HttpProblem(502, `The view could not be read: ${(error as Error).message}`);
  return { type: problem.type, title: titleFor(problem.status), status: problem.status, detail: problem.message };
}

interface OpenStream {
  subject: string;
  close(): void;
}

export class EventStreams {
  private readonly settings: Required<StreamSettings>;
  private readonly open = new Set<OpenStream>();
  private readonly perCaller = new Map<string, number>();

  constructor(settings: StreamSettings) {
    this.settings = { heartbeatMs: HEARTBEAT_MS, ...settings };
  }

  /** Streams open now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Answers the request with a stream of `source`'s events. Over the caps it throws (429 for
   * the caller's, 503 for the gateway's) before anything is sent, so the error handler answers.
   */
  stream<T>(reply: FastifyReply, caller: VerifiedCaller, source: StreamSource<T>): FastifyReply {
    const { pollMs, maxPerCaller, max, maxSeconds, heartbeatMs } = this.settings;
    if ((this.perCaller.get(caller.subject) ?? 0) >= maxPerCaller) throw new TooManyStreams(maxPerCaller);
    if (this.open.size >= max) throw new Unavailable('The gateway has as many event streams open as it serves; retry shortly.', 5);

    const raw = reply.raw;
    const stopped = new AbortController();
    const stream: OpenStream = { subject: caller.subject, close: () => stopped.abort() };
    this.open.add(stream);
    this.perCaller.set(caller.subject, (this.perCaller.get(caller.subject) ?? 0) + 1);

    reply.hijack();
    raw.writeHead(200, {
      // What the hooks set so far (CORS, request id, rate-limit headers) travels with the stream.
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // NGINX (the ingress) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    const write = (text: string) => {
      if (!raw.writableEnded) raw.write(text);
    };
    write(`retry: ${Math.max(1_000, pollMs)}\n\n`);

    const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    // Closed at the token's expiry or the maximum age, whichever comes first.
    const lifetime = Math.max(0, Math.min(maxSeconds * 1000, caller.expiresAt - Date.now()));
    const deadline = setTimeout(() => stopped.abort(), lifetime);
    raw.on('close', () => stopped.abort());
    stopped.signal.addEventListener('abort', () => {
      clearInterval(heartbeat);
      clearTimeout(deadline);
      this.open.delete(stream);
      const left = (this.perCaller.get(caller.subject) ?? 1) - 1;
      if (left > 0) this.perCaller.set(caller.subject, left);
      else this.perCaller.delete(caller.subject);
      if (!raw.writableEnded) raw.end();
    });

    void this.poll(source, write, stopped);
    return reply;
  }

  /** Ends every stream (shutdown): clients reconnect to another instance. */
  closeAll(): void {
    for (const stream of [...this.open]) stream.close();
  }

  private async poll<T>(source: StreamSource<T>, write: (text: string) => void, stopped: AbortController): Promise<void> {
    const { signal } = stopped;
    let last: string | undefined;
    while (!signal.aborted) {
      try {
        const value = await source.read(AbortSignal.any([signal, AbortSignal.timeout(Math.max(this.settings.pollMs, 5_000))]));
        const fingerprint = JSON.stringify(source.fingerprint ? source.fingerprint(value) : value);
        if (fingerprint !== last && !signal.aborted) {
          write(`event: ${source.event}\ndata: ${JSON.stringify(value)}\n\n`);
          last = fingerprint;
        }
        if (source.finished?.(value)) {
          write('event: end\ndata: {}\n\n');
          stopped.abort();
          return;
        }
      } catch (error) {
        // The upstream failed this time: say so, and try again at the next poll.
        if (!signal.aborted) write(`event: error\ndata: ${JSON.stringify(problemFor(error))}\n\n`);
        // The next success is sent even if unchanged: the client knows the view is current again.
        last = undefined;
      }
      await sleep(this.settings.pollMs, undefined, { signal }).catch(() => undefined);
    }
  }
}
