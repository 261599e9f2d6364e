// Opens a RedisDeliveryStore under its own key prefix on the server at REDIS_URL.
import { randomUUID } from 'node:crypto';
import { Redis } from '@dronedelivery/redis';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { MemoryDeliveryStore } from '../src/store/memory.ts';
import { RedisDeliveryStore } from '../src/store/redis.ts';
import type { DeliveryStore } from '../src/store/store.ts';

export const redisUrl = process.env.REDIS_URL;

export function redisSettings(url: string, prefix = `test:${randomUUID().slice(0, 8)}:`) {
  return {
    REDIS_URL: url,
    REDIS_KEY_PREFIX: prefix,
    REDIS_COMMAND_TIMEOUT_MS: 2_000,
    REDIS_CONNECT_ATTEMPTS: 3,
    REDIS_CONNECT_BACKOFF_MS: 100,
    SUMMARY_RETENTION_DAYS: 400,
    NOTIFICATIONS_STREAM_MAX_LENGTH: 1_000,
  };
}

/** Deletes every key under a prefix. */
async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  const found = await redis.keys(`${prefix}*`);
  if (found.length > 0) await redis.del(...found);
  await redis.quit();
}

export async function openRedisStore(url: string): Promise<{ store: RedisDeliveryStore; cleanup: () => Promise<void> }> {
  const settings = redisSettings(url);
  const store = new RedisDeliveryStore(settings, capturingLogger('delivery-test').log);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await deletePrefix(url, settings.REDIS_KEY_PREFIX);
    },
  };
}

/** The stores the delivery API suites run against: memory always, Redis when REDIS_URL is set. */
export const storeAdapters: { name: string; open: () => Promise<{ store: DeliveryStore; cleanup: () => Promise<void> }> }[] = [
  { name: 'in-memory', open: async () => ({ store: new MemoryDeliveryStore(), cleanup: async () => {} }) },
  ...(redisUrl ? [{ name: 'Redis', open: () => openRedisStore(redisUrl as string) }] : []),
];
