// Picks where acceptances are kept: the queue's Redis when REDIS_URL is set, memory otherwise.
import type { Logger } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import { MemoryAcceptanceStore } from './memory.ts';
import { RedisAcceptanceStore } from './redis.ts';
import type { AcceptanceStore } from './store.ts';

export function selectAcceptanceStore(config: Config, log: Logger): AcceptanceStore {
  if (!config.REDIS_URL) return new MemoryAcceptanceStore();
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
