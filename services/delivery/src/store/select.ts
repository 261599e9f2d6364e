// Picks the store from configuration: Redis when REDIS_URL is set, memory otherwise. The
// Redis adapter, and ioredis with it, is loaded only when selected, so a service in memory
// never carries the client library.
import type { Logger } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import { MemoryDeliveryStore } from './memory.ts';
import type { DeliveryStore } from './store.ts';

export async function selectStore(config: Config, log: Logger): Promise<DeliveryStore> {
  if (config.REDIS_URL) {
    log.info({ store: 'redis' }, 'delivery store: Redis');
    const { RedisDeliveryStore } = await import('./redis.ts');
    return new RedisDeliveryStore({ ...config, REDIS_URL: config.REDIS_URL }, log);
  }
  log.warn({ store: 'memory' }, 'delivery store: in memory (REDIS_URL is not set); data is lost when the process exits');
  return new MemoryDeliveryStore({ maxNotifications: config.NOTIFICATIONS_STREAM_MAX_LENGTH });
}
