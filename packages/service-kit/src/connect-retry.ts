// Start-up connections (databases, caches) are retried with capped exponential backoff:
// in a cluster the dependency often starts at the same moment as the service.
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';

export interface ConnectRetryOptions {
  /** What is being connected to, for the log. */
  name: string;
  attempts: number;
  initialDelayMs: number;
  maxDelayMs?: number;
  log: { warn: (object: object, message: string) => void };
}

/** Runs `connect` until it succeeds or `attempts` tries have failed (then throws the last error). */
export async function connectWithRetry<T>(connect: () => Promise<T>, options: ConnectRetryOptions): Promise<T> {
  const policy = retry(handleAll, {
    maxAttempts: Math.max(0, options.attempts - 1),
    backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs, maxDelay: options.maxDelayMs ?? 10_000 }),
  });
  policy.onRetry((event) => {
    const reason = 'error' in event ? (event.error as Error).message : 'unexpected result';
    options.log.warn(
      { dependency: options.name, attempt: event.attempt, delayMs: Math.round(event.delay), reason },
      `cannot reach ${options.name} yet; retrying`,
    );
  });
  return policy.execute(() => connect());
}
