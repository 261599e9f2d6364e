// Connecting to Redis (Azure Cache for Redis in production) the same way everywhere:
// TLS for rediss:// URLs, the password kept out of the URL, reconnection forever with
// capped jittered backoff, and commands that fail fast while disconnected, so that a
// caller can answer 503 at once instead of hanging. With `cluster`, the same settings
// reach a Redis Cluster (Azure Cache for Redis, clustered tier) through its one endpoint.
// Importing this module loads ioredis; the settings' schema (`@dronedelivery/redis/config`)
// does not, so a unit running in memory never loads the client.
import { Unavailable } from '@dronedelivery/service-kit';
import { Cluster, Redis, type RedisOptions, ReplyError } from 'ioredis';

/** A connection to one Redis server or to a Redis Cluster: the commands are the same. */
export type RedisClient = Redis | Cluster;

export interface RedisSettings {
  url: string;
  /** The access key; from a Secret, never in the URL in a values file. */
  password?: string | undefined;
  /** The URL is one node of a Redis Cluster: keys are routed by hash slot. */
  cluster?: boolean | undefined;
  keyPrefix?: string;
  /** Names the connection in CLIENT LIST. */
  connectionName: string;
  commandTimeoutMs?: number;
}

/** How a consumer that blocks on Redis overrides the fail-fast defaults (BullMQ workers must). */
export interface BlockingOverrides {
  enableOfflineQueue: true;
  maxRetriesPerRequest: null;
}

const backoff = (attempt: number) => Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);

/** Per-connection options for these settings (a Cluster applies them to each node). */
function connectionOptions(settings: RedisSettings): RedisOptions {
  const url = new URL(settings.url);
  return {
    ...(settings.password ? { password: settings.password } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
    ...(settings.commandTimeoutMs ? { commandTimeout: settings.commandTimeoutMs } : {}),
    connectionName: settings.connectionName,
    maxRetriesPerRequest: 1,
  };
}

/**
 * A client for these settings, not yet connected (`waitUntilConnected` connects). Keys in one
 * multi-key command or script must share a hash tag (see `shards.ts`) to work on a cluster.
 */
export function connectRedis(
  settings: RedisSettings,
  overrides?: BlockingOverrides,
  batching: { enableAutoPipelining?: boolean } = {},
): RedisClient {
  const perConnection = { ...connectionOptions(settings), ...(overrides ? { maxRetriesPerRequest: null } : {}) };
  const keyPrefix = settings.keyPrefix ? { keyPrefix: settings.keyPrefix } : {};
  if (!settings.cluster) {
    return new Redis(settings.url, {
      ...perConnection,
      ...keyPrefix,
      ...batching,
      lazyConnect: true,
      enableOfflineQueue: overrides?.enableOfflineQueue ?? false,
      retryStrategy: backoff,
    });
  }
  const url = new URL(settings.url);
  return new Cluster([{ host: url.hostname, port: Number(url.port || 6379) }], {
    ...keyPrefix,
    ...batching,
    lazyConnect: true,
    enableOfflineQueue: overrides?.enableOfflineQueue ?? false,
    clusterRetryStrategy: backoff,
    // The nodes' addresses come from CLUSTER SLOTS; TLS certificates name the endpoint, so
    // connect to them by address and verify against the endpoint's name (Azure's advice).
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: perConnection,
  });
}

/**
 * `connectRedis` for request-serving work, with a log for connection errors (a reconnecting
 * client reports each one). Commands issued in the same turn of the event loop, by concurrent
 * requests, go to Redis as one pipeline (ioredis' auto-pipelining): one write and one round
 * trip instead of one per command, where `pnpm bench` found the gateway spending two fifths of
 * its socket writes on rate-limit commands.
 */
export function createRedisClient(settings: RedisSettings, log: { warn: (object: object, message: string) => void }): RedisClient {
  const redis = connectRedis(settings, undefined, { enableAutoPipelining: true });
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
export async function waitUntilConnected(redis: RedisClient, timeoutMs = 2_000): Promise<void> {
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

export { Cluster, Redis } from 'ioredis';
export { readPositions } from './position-list.ts';
export { everyShard, mergeNewestFirst, readPositionsAcross, SHARD_COUNT, shardOf } from './shards.ts';
