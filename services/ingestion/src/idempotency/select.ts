// Picks where Idempotency-Keys are kept: the queue's Redis when REDIS_URL is set, memory otherwise.
// The Redis adapter, and ioredis with it, is loaded only when selected.
import type { Logger } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import { MemoryIdempotencyStore } from './memory.ts';
import type { IdempotencyStore } from './store.ts';

export async function selectIdempotencyStore(config: Config, log: Logger): Promise<IdempotencyStore> {
  if (!config.REDIS_URL) return new MemoryIdempotencyStore();
  const { RedisIdempotencyStore } = await import('./redis.ts');
  return new RedisIdempotencyStore(
    {
      url: config.REDIS_URL,
      password: config.REDIS_PASSWORD,
      cluster: config.REDIS_CLUSTER === 'true',
      keyPrefix: `${config.QUEUE_PREFIX}:idempotency:`,
    },
    log,
  );
}
