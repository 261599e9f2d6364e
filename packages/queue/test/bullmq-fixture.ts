// Opens a BullMQ queue under its own key prefix on a real Redis: the server at REDIS_URL, or
// the Redis Cluster at REDIS_CLUSTER_URL.
import { randomUUID } from 'node:crypto';
import { deleteKeysWithPrefix, type RedisTarget, redisTargets } from '@dronedelivery/redis/testing';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { BullmqQueue, type BullmqSettings } from '../src/bullmq.ts';
import { contractSettings } from './queue.contract.ts';

export const redisUrl = redisTargets.server?.url;

const SERVER: RedisTarget = { name: 'Redis', url: redisUrl ?? '', cluster: false };

export function bullmqSettings(target: RedisTarget | string, prefix = `test-${randomUUID().slice(0, 8)}`): BullmqSettings {
  const on = typeof target === 'string' ? { ...SERVER, url: target } : target;
  return {
    ...contractSettings,
    redis: { url: on.url, cluster: on.cluster },
    prefix,
    queueName: 'delivery-requests',
    lockDurationMs: 1_000,
    stalledIntervalMs: 500,
    maxStalledCount: 2,
  };
}

export async function openBullmq(target: RedisTarget | string, settings = bullmqSettings(target)) {
  const on = typeof target === 'string' ? { ...SERVER, url: target } : target;
  const queue = new BullmqQueue(settings, capturingLogger('queue-test').log);
  await queue.ready();
  return {
    queue,
    settings,
    cleanup: async () => {
      await queue.close();
      await deleteKeysWithPrefix(on, `{${settings.prefix}}:`);
    },
  };
}
