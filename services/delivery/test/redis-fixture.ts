// Opens a RedisDeliveryStore under its own key prefix on a real Redis: the server at
// REDIS_URL, or the Redis Cluster at REDIS_CLUSTER_URL.
import { randomUUID } from 'node:crypto';
import { deleteKeysWithPrefix, type RedisTarget, redisEnv, redisTargets } from '@dronedelivery/redis/testing';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { MemoryDeliveryStore } from '../src/store/memory.ts';
import { RedisDeliveryStore } from '../src/store/redis.ts';
import type { DeliveryStore } from '../src/store/store.ts';

export const redisUrl = redisTargets.server?.url;

export function redisSettings(target: RedisTarget, prefix = `test:${randomUUID().slice(0, 8)}:`) {
  return {
    ...redisEnv(target),
    REDIS_KEY_PREFIX: prefix,
    REDIS_COMMAND_TIMEOUT_MS: 2_000,
    REDIS_CONNECT_ATTEMPTS: 3,
    REDIS_CONNECT_BACKOFF_MS: 100,
    SUMMARY_RETENTION_DAYS: 400,
    NOTIFICATIONS_STREAM_MAX_LENGTH: 1_000,
  };
}

export async function openRedisStore(target: RedisTarget): Promise<{ store: RedisDeliveryStore; cleanup: () => Promise<void> }> {
  const settings = redisSettings(target);
  const store = new RedisDeliveryStore(settings, capturingLogger('delivery-test').log);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await deleteKeysWithPrefix(target, settings.REDIS_KEY_PREFIX);
    },
  };
}

/** The stores the delivery API suites run against: memory always, Redis when REDIS_URL is set. */
export const storeAdapters: { name: string; open: () => Promise<{ store: DeliveryStore; cleanup: () => Promise<void> }> }[] = [
  { name: 'in-memory', open: async () => ({ store: new MemoryDeliveryStore(), cleanup: async () => {} }) },
  ...(redisTargets.server ? [{ name: 'Redis', open: () => openRedisStore(redisTargets.server as RedisTarget) }] : []),
];
