// What callers see when Redis goes away: 503 with Retry-After and readiness false, never a
// 500 or a hang; and recovery, without a restart, once it is back (a redis-server of its own).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, freePort, startForInject, testConfig, waitForPort } from '@dronedelivery/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { RedisDeliveryStore } from '../src/store/redis.ts';
import { deliveryBody } from './fixtures.ts';
import { redisSettings } from './redis-fixture.ts';

function redisServerInstalled(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitForPort(port);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe.runIf(redisServerInstalled())('Redis goes away and comes back', () => {
  let port: number;
  let redis: ChildProcess;
  let app: ServiceInstance;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    const log = capturingLogger('delivery').log;
    const store = new RedisDeliveryStore({ ...redisSettings(`redis://127.0.0.1:${port}`), REDIS_COMMAND_TIMEOUT_MS: 500 }, log);
    app = await buildApp({ config: { ...configSchema.parse({}), ...testConfig() }, log, store });
    await startForInject(app);
  });

  afterAll(async () => {
    await app.close();
    await stop(redis);
  });

  it('serves, answers 503 while Redis is down, and recovers when it returns', async () => {
    expect((await app.inject({ method: 'PUT', url: '/api/deliveries/d-1', payload: deliveryBody() })).statusCode).toBe(201);

    await stop(redis);
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
    redis = await startRedis(port);
    await expect.poll(async () => (await app.inject({ method: 'GET', url: '/healthz/ready' })).statusCode, { timeout: 15_000 }).toBe(200);
    expect((await app.inject({ method: 'PUT', url: '/api/deliveries/d-2', payload: deliveryBody() })).statusCode).toBe(201);
  }, 30_000);
});
