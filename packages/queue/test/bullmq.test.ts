import { describe } from 'vitest';
import { openBullmq, redisUrl } from './bullmq-fixture.ts';
import { describeQueueContract } from './queue.contract.ts';

// Runs against a real Redis whenever REDIS_URL is set (CI starts Debian's redis-server).
describe.runIf(redisUrl)('BullMQ adapter', () => {
  describeQueueContract(`BullMQ on ${redisUrl}`, () => openBullmq(redisUrl as string));
});
