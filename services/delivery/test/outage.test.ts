// What callers see when Redis goes away: 503 with Retry-After and readiness false, never a
// 500 or a hang; and recovery, without a restart, once it is back (a redis-server of its own).
import { RedisServerProcess, redisServerInstalled } from '@dronedelivery/redis/testing';
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, freePort, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { RedisDeliveryStore } from '../src/store/redis.ts';
import { deliveryBody } from './fixtures.ts';
import { redisSettings } from './redis-fixture.ts';

describe.runIf(redisServerInstalled())('Redis goes away and comes back', () => {
  let redis: RedisServerProcess;
  let app: ServiceInstance;

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    const log = capturingLogger('delivery').log;
    const store = new RedisDeliveryStore(
      { ...redisSettings({ name: 'Redis', url: redis.url, cluster: false }), REDIS_COMMAND_TIMEOUT_MS: 500 },
      log,
    );
    app = await buildApp({ config: { ...configSchema.parse({}), ...testConfig() }, log, store });
    await startForInject(app);
  });

  afterAll(async () => {
    await app.close();
    await redis.kill();
  });

  it('serves, answers 503 while Redis is down, and recovers when it returns', async () => {
    expect((await app.inject({ method: 'PUT', url: '/api/deliveries/d-1', payload: deliveryBody() })).statusCode).toBe(201);

    await redis.kill();
    for (const request of [
      { method: 'GET' as const, url: '/api/deliveries/d-1' },
      { method: 'PUT' as const, url: '/api/deliveries/d-2', payload: deliveryBody() },
      { method: 'GET' as const, url: '/api/deliveries/summary?ownerId=owner-a&year=2026&month=11' },
    ]) {
      const response = await app.inject(request);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('2');
    }
    await expect.poll(async () => (await app.inject({ method: 'GET', url: '/healthz/ready' })).statusCode).toBe(503);

    // A fresh, empty server on the same port: the service reconnects by itself.
    await redis.start();
    await expect.poll(async () => (await app.inject({ method: 'GET', url: '/healthz/ready' })).statusCode, { timeout: 15_000 }).toBe(200);
    expect((await app.inject({ method: 'PUT', url: '/api/deliveries/d-2', payload: deliveryBody() })).statusCode).toBe(201);
  }, 30_000);
});
