import { type RedisTarget, redisTargets } from '@dronedelivery/redis/testing';
import { describe } from 'vitest';
import { openBullmq } from './bullmq-fixture.ts';
import { describeQueueContract } from './queue.contract.ts';

// Runs against a real Redis whenever REDIS_URL is set, and against a Redis Cluster whenever
// REDIS_CLUSTER_URL is (CI starts both from Debian's redis-server).
const targets: [string, RedisTarget | undefined][] = [
  ['BullMQ adapter', redisTargets.server],
  ['BullMQ adapter on a Redis Cluster', redisTargets.cluster],
];

for (const [name, target] of targets)
  describe.runIf(target)(name, () => {
    describeQueueContract(`BullMQ on ${target?.url}`, () => openBullmq(target as RedisTarget));
  });
