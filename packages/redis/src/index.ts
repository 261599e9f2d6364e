// Connecting to Redis (Azure Cache for Redis in production) the same way everywhere:
// TLS for rediss:// URLs, the password kept out of the URL, reconnection forever with
// capped jittered backoff, and commands that fail fast while disconnected, so that a
// caller can answer 503 at once instead of hanging.
import { Unavailable } from '@dronedelivery/service-kit';
import { Redis, type RedisOptions, ReplyError } from 'ioredis';

export interface RedisSettings {
  url: string;
  /** The access key; from a Secret, never in the URL in a values file. */
  password?: string | undefined;
  keyPrefix?: string;
  /** Names the connection in CLIENT LIST. */
  connectionName: string;
  commandTimeoutMs?: number;
}

/** ioredis options for these settings. BullMQ workers override the fail-fast ones, as they must. */
export function redisOptions(settings: RedisSettings): RedisOptions {
  const url = new URL(settings.url);
  return {
    ...(settings.password ? { password: settings.password } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
    ...(settings.keyPrefix ? { keyPrefix: settings.keyPrefix } : {}),
    ...(settings.commandTimeoutMs ? { commandTimeout: settings.commandTimeoutMs } : {}),
    connectionName: settings.connectionName,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2),
  };
}

export function createRedisClient(settings: RedisSettings, log: { warn: (object: object, message: string) => void }): Redis {
  const redis = new Redis(settings.url, redisOptions(settings));
  redis.on('error', (error: Error) => log.warn({ err: error.message, connection: settings.connectionName }, 'redis connection error'));
  return redis;
}

/** Server replies that mean "not now" rather than "never". */
const TRANSIENT_REPLY = /^(OOM|LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/;

/** Whether an error from a Redis command means the server is unreachable or unable to serve now. */
export function isRedisUnavailable(error: unknown): boolean {
  return !(error instanceof ReplyError) || TRANSIENT_REPLY.test((error as Error).message);
}

/** Maps a Redis failure to 503 with Retry-After for the caller; other errors pass through. */
export function translateRedisError(error: unknown, what: string): unknown {
  return isRedisUnavailable(error) ? new Unavailable(`The ${what} cannot be reached; retry shortly.`, 2) : error;
}

/**
 * Resolves once the client is connected and answers PING, waiting up to `timeoutMs` for a
 * connection in progress (0: not at all, for readiness probes); rejects otherwise, while
 * reconnection goes on in the background.
 */
export async function waitUntilConnected(redis: Redis, timeoutMs = 2_000): Promise<void> {
  if (redis.status === 'wait') redis.connect().catch(() => {});
  if (redis.status !== 'ready' && timeoutMs === 0) throw new Error(`redis connection is ${redis.status}`);
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(new Error(`redis connection is ${redis.status}`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      redis.once('ready', onReady);
    });
  }
  await redis.ping();
}

export { Redis } from 'ioredis';
export { readPositions } from './position-list.ts';
