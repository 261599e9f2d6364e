// Live updates: a server-sent event stream read with fetch() (it carries the bearer token),
// reconnected with backoff when it drops; when streaming is not available (the route is
// missing, a proxy buffers, it keeps failing) the same data is polled every two seconds.
import { readEventStream } from './sse.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'ended';

export interface LiveOptions<T> {
  /** Opens the stream (a fetch with the token). */
  open: (signal: AbortSignal) => Promise<Response>;
  /** The event whose JSON data is an update. */
  event: string;
  /** The same data without streaming. */
  poll: () => Promise<T>;
  onData: (data: T) => void;
  onState?: (state: LiveState) => void;
  pollIntervalMs?: number;
  /** Consecutive failed connections before giving up on streaming. */
  maxReconnects?: number;
  /** Waits between reconnections: this, doubled each time, at most maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Follows a stream until the returned function is called (or the stream says `end`). */
export function follow<T>(options: LiveOptions<T>): () => void {
  const stop = new AbortController();
  const { signal } = stop;
  const state = (value: LiveState) => options.onState?.(value);

  async function stream(): Promise<'ended' | 'unavailable'> {
    let failures = 0;
    const maxReconnects = options.maxReconnects ?? 3;
    while (!signal.aborted) {
      state(failures === 0 ? 'connecting' : 'reconnecting');
      try {
        const response = await options.open(signal);
        const type = response.headers.get('content-type') ?? '';
        if (!response.ok || !response.body || !type.startsWith('text/event-stream')) {
          await response.body?.cancel();
          return 'unavailable';
        }
        for await (const event of readEventStream(response.body)) {
          if (event.event === options.event) {
            failures = 0;
            state('live');
            options.onData(JSON.parse(event.data) as T);
          } else if (event.event === 'end') return 'ended';
        }
      } catch {
        if (signal.aborted) return 'ended';
      }
      failures += 1;
      if (failures > maxReconnects) return 'unavailable';
      await sleep(Math.min(options.maxBackoffMs ?? 10_000, (options.backoffMs ?? 500) * 2 ** (failures - 1)), signal);
    }
    return 'ended';
  }

  async function poll(): Promise<void> {
    state('polling');
    while (!signal.aborted) {
      try {
        options.onData(await options.poll());
      } catch {
        // The next poll tries again; a lasting failure shows as stale data, not as an error loop.
      }
      await sleep(options.pollIntervalMs ?? 2_000, signal);
    }
  }

  void stream().then((outcome) => {
    if (signal.aborted) return;
    if (outcome === 'ended') state('ended');
    else return poll();
  });
  return () => stop.abort();
}
