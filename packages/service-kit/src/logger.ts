// Structured logging: pino JSON carrying the service identity and the active trace,
// with credentials redacted wherever they appear. Human-readable output in a terminal.
import { trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** A key named like a credential: its value never reaches a log line, at any depth. */
const SECRET_KEY = /authorization|cookie|passw(or)?d|secret|token|api[-_]?key|connection[-_]?string|private[-_]?key|credential/i;
const MAX_DEPTH = 8;

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Returns `value` with every secret-named key's value replaced. Walks plain objects and
 * arrays only (requests, responses and errors have serializers of their own) and copies
 * only the branches that contain a secret, so the common case allocates nothing.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const redacted = redactSecrets(item, depth + 1);
      if (redacted !== item) {
        copy ??= [...value];
        copy[index] = redacted;
      }
    });
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redacted = SECRET_KEY.test(key) && item !== undefined ? '[redacted]' : redactSecrets(item, depth + 1);
    if (redacted !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = redacted;
    }
  }
  return (copy ?? value) as T;
}

export interface LoggerOptions {
  service: string;
  version: string;
  level?: string;
  /** Where to write; defaults to stdout (pretty when stdout is a terminal). */
  destination?: DestinationStream;
}

/** Adds the active span's ids so a log line can be joined with its trace. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}

/** Log output held for a stdout that is not being read, beyond which new lines are dropped. */
const MAX_PENDING_LOG_BYTES = 8 * 1024 * 1024;
let stdout: DestinationStream | undefined;
/** Writes out the lines of the current turn now. */
let flushBatch = () => {};

/**
 * Every kit logger in the process writes to stdout through this one destination: Node's own
 * stream, non-blocking on a pipe. pino's default (sonic-boom) writes from the thread pool and
 * flushes synchronously at exit; on a pipe nobody reads, that flush retried forever and
 * process.exit never returned. Here, what cannot be written waits in memory (bounded) and
 * is abandoned at exit.
 *
 * Lines logged in the same turn of the event loop go out as one write: under load a request
 * log line per request was a system call per request, a fifth of the gateway's CPU time
 * (`pnpm bench`, the gateway's profile). A line waits at most until the end of its turn.
 */
function stdoutDestination(): DestinationStream {
  if (stdout) return stdout;
  let closed = false;
  let dropped = 0;
  let batch = '';
  // The reader went away (EPIPE): nothing more can be written, and that is no reason to crash.
  process.stdout.on('error', () => {
    closed = true;
  });
  const flush = () => {
    if (closed || batch === '') return;
    const lines = batch;
    batch = '';
    if (dropped > 0) {
      process.stdout.write(
        `${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: `${dropped} log lines dropped: stdout was not being read` })}\n`,
      );
      dropped = 0;
    }
    process.stdout.write(lines);
  };
  flushBatch = flush;
  process.on('exit', flush);
  stdout = {
    write(line: string) {
      if (closed) return;
      if (process.stdout.writableLength + batch.length > MAX_PENDING_LOG_BYTES) {
        dropped += 1;
        return;
      }
      if (batch === '') setImmediate(flush);
      batch += line;
    },
  };
  return stdout;
}

/**
 * Waits until what the kit's loggers wrote has reached stdout, for at most `timeoutMs`: a
 * reader that does not keep up must not hold the exit.
 */
export async function flushLogs(timeoutMs: number): Promise<void> {
  flushBatch();
  if (!stdout || process.stdout.writableLength === 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    process.stdout.once('drain', done);
    function done() {
      clearTimeout(timer);
      process.stdout.off('drain', done);
      resolve();
    }
  });
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level ?? 'info',
    base: { service: options.service, version: options.version, pid: process.pid },
    mixin: traceFields,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      // Applied to what is logged, not to per-request child loggers: costs nothing unless a line is written.
      log: (object: Record<string, unknown>) => redactSecrets(object),
    },
  };
  if (options.destination) return pino(base, options.destination);
  if (process.stdout.isTTY) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(base, stdoutDestination());
}
