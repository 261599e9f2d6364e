// Picks where acceptances are kept: the queue's Redis when REDIS_URL is set, memory otherwise.
// The Redis adapter, and ioredis with it, is loaded only when selected.
import type { Logger } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import { MemoryAcceptanceStore } from './memory.ts';
import type { AcceptanceStore } from './store.ts';

export async function selectAcceptanceStore(config: Config, log: Logger): Promise<AcceptanceStore> {
  if (!config.REDIS_URL) return new MemoryAcceptanceStore();
  const { RedisAcceptanceStore } = await import('./redis.ts');
  return new RedisAcceptanceStore(
    {
      url: config.REDIS_URL,
      password: config.REDIS_PASSWORD,
      cluster: config.REDIS_CLUSTER === 'true',
      keyPrefix: `${config.QUEUE_PREFIX}:acceptance:`,
    },
    log,
  );
}
