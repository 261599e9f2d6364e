// Opens a BullMQ queue under its own key prefix on the Redis at REDIS_URL.
import { randomUUID } from 'node:crypto';
import { Redis } from '@dronedelivery/redis';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { BullmqQueue, type BullmqSettings } from '../src/index.ts';
import { contractSettings } from './queue.contract.ts';

export const redisUrl = process.env.REDIS_URL;

export function bullmqSettings(url: string, prefix = `test-${randomUUID().slice(0, 8)}`): BullmqSettings {
  return {
    ...contractSettings,
    redis: { url },
    prefix,
    queueName: 'delivery-requests',
    lockDurationMs: 1_000,
    stalledIntervalMs: 500,
    maxStalledCount: 2,
  };
}

export async function openBullmq(url: string, settings = bullmqSettings(url)) {
  const queue = new BullmqQueue(settings, capturingLogger('queue-test').log);
  await queue.ready();
  return {
    queue,
    settings,
    cleanup: async () => {
      await queue.close();
      const redis = new Redis(url);
      const keys = await redis.keys(`${settings.prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}
