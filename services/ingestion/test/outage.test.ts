// Redis (the queue) goes away: ingestion answers 503 with Retry-After, accepts nothing and
// says it is not ready; when Redis returns, it accepts again without a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BullmqQueue } from '@dronedelivery/queue/bullmq';
import { RedisServerProcess, redisServerInstalled } from '@dronedelivery/redis/testing';
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, freePort, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisAcceptanceStore } from '../src/acceptances/redis.ts';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { RedisIdempotencyStore } from '../src/idempotency/redis.ts';
import { ORIGINAL_SAMPLE } from './samples.ts';

describe.runIf(redisServerInstalled())('the queue Redis goes away and comes back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingestion-redis-'));
  let redis: RedisServerProcess;
  let queue: BullmqQueue;
  let app: ServiceInstance;

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort(), dir);
    await redis.start();
    const log = capturingLogger('ingestion').log;
    queue = new BullmqQueue(
      {
        maxAttempts: 3,
        backoffMs: 10,
        redis: { url: redis.url },
        prefix: 'outage',
        queueName: 'delivery-requests',
        lockDurationMs: 5_000,
        stalledIntervalMs: 5_000,
        maxStalledCount: 1,
      },
      log,
    );
    const idempotency = new RedisIdempotencyStore({ url: redis.url, keyPrefix: 'outage:idempotency:' }, log);
    const acceptances = new RedisAcceptanceStore({ url: redis.url, keyPrefix: 'outage:acceptance:' }, log);
    app = await startForInject(
      await buildApp({ config: { ...configSchema.parse({}), ...testConfig() }, log, queue, idempotency, acceptances }),
    );
  });

  afterAll(async () => {
    await app.close();
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/api/deliveryrequests',
      payload: ORIGINAL_SAMPLE,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('answers 503 and accepts nothing while Redis is down, then recovers', async () => {
    await expect.poll(async () => (await post()).statusCode, { timeout: 10_000 }).toBe(202);
    const before = (await queue.counts()).waiting;

    await redis.kill();
    for (const headers of [{}, { 'idempotency-key': 'during-outage' }] as Record<string, string>[]) {
      const refused = await post(headers);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('2');
    }
    await expect.poll(async () => (await app.inject({ method: 'GET', url: '/healthz/ready' })).statusCode).toBe(503);

    // The same data directory: whatever Redis had accepted is still there, and nothing more.
    await redis.start();
    await expect.poll(async () => (await app.inject({ method: 'GET', url: '/healthz/ready' })).statusCode, { timeout: 15_000 }).toBe(200);
    expect((await queue.counts()).waiting).toBe(before);
    // The refused keyed request left no claim behind: it is accepted on retry.
    expect((await post({ 'idempotency-key': 'during-outage' })).statusCode).toBe(202);
    expect((await queue.counts()).waiting).toBe(before + 1);
  }, 40_000);
});

describe.runIf(redisServerInstalled())('the queue Redis is not up yet when ingestion starts', () => {
  it('accepts requests once Redis comes up, without a restart', async () => {
    const redis = new RedisServerProcess(await freePort());
    const log = capturingLogger('ingestion').log;
    const queue = new BullmqQueue(
      {
        maxAttempts: 3,
        backoffMs: 10,
        redis: { url: redis.url },
        prefix: 'late',
        queueName: 'delivery-requests',
        lockDurationMs: 5_000,
        stalledIntervalMs: 5_000,
        maxStalledCount: 1,
      },
      log,
    );
    const idempotency = new RedisIdempotencyStore({ url: redis.url, keyPrefix: 'late:idempotency:' }, log);
    const acceptances = new RedisAcceptanceStore({ url: redis.url, keyPrefix: 'late:acceptance:' }, log);
    const app = await buildApp({ config: { ...configSchema.parse({}), ...testConfig() }, log, queue, idempotency, acceptances });
    try {
      await app.ready();
      const post = () =>
        app.inject({
          method: 'POST',
          url: '/api/deliveryrequests',
          payload: ORIGINAL_SAMPLE,
          headers: { 'content-type': 'application/json' },
        });
      expect((await post()).statusCode).toBe(503);
      await redis.start();
      await expect.poll(async () => (await post()).statusCode, { timeout: 15_000, interval: 200 }).toBe(202);
      expect((await queue.counts()).waiting).toBe(1);
    } finally {
      await app.close();
      await redis.kill();
    }
  }, 30_000);
});
