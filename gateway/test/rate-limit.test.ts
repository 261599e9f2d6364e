// The rate limit on a real Redis (REDIS_URL) and on a Redis Cluster (REDIS_CLUSTER_URL; CI sets
// both, and without them these suites are skipped: start `redis-server` and set
// REDIS_URL=redis://127.0.0.1:6379, or run packages/redis/scripts/redis-cluster.ts): one count per
// caller across gateway replicas, and what a caller gets while the limiter's Redis is down,
// for each setting of RATE_LIMIT_ON_STORE_FAILURE.
import { randomUUID } from 'node:crypto';
import { type RedisTarget, redisEnv, redisTargets } from '@dronedelivery/redis/testing';
import { freePort } from '@dronedelivery/service-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, seedDelivery, startHarness, token } from './harness.ts';

const harnesses: Harness[] = [];

afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

async function start(overrides: Parameters<typeof startHarness>[0]): Promise<Harness> {
  const harness = await startHarness(overrides);
  harnesses.push(harness);
  await seedDelivery(harness, 'd-1', 'owner-a');
  return harness;
}

const get = (harness: Harness, bearer: string) =>
  harness.gateway.inject({ method: 'GET', url: '/api/deliveries/d-1', headers: { authorization: `Bearer ${bearer}` } });

const targets: [string, RedisTarget | undefined][] = [
  ['rate limits counted in Redis', redisTargets.server],
  ['rate limits counted in a Redis Cluster', redisTargets.cluster],
];

for (const [name, target] of targets)
  describe.runIf(target)(name, () => {
    it('one count per caller across two gateway replicas', async () => {
      const settings = { ...redisEnv(target as RedisTarget), RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW_MS: 60_000 };
      const [one, two] = [await start(settings), await start(settings)];
      // A caller of its own, so that earlier runs' counts in the same Redis do not matter.
      const caller = await token({ owner_id: 'owner-a', sub: `rate-${randomUUID()}` });
      expect((await get(one, caller)).statusCode).toBe(200);
      expect((await get(two, caller)).statusCode).toBe(200);
      expect((await get(one, caller)).statusCode).toBe(200);
      const limited = await get(two, caller);
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another caller has a count of its own.
      expect((await get(two, await token({ owner_id: 'owner-a', sub: `rate-${randomUUID()}` }))).statusCode).toBe(200);
    });
  });

describe('while the limiter cannot reach its Redis', () => {
  // A port nothing listens on: every count fails at once, as in an outage.
  const unreachable = async () => `redis://127.0.0.1:${await freePort()}`;

  it('RATE_LIMIT_ON_STORE_FAILURE=allow (the default): requests go through', async () => {
    const harness = await start({ REDIS_URL: await unreachable(), RATE_LIMIT_MAX: 1 });
    const caller = await token({ owner_id: 'owner-a' });
    for (let i = 0; i < 3; i += 1) expect((await get(harness, caller)).statusCode).toBe(200);
  });

  it('RATE_LIMIT_ON_STORE_FAILURE=refuse: 503 with Retry-After, as problem+json', async () => {
    const harness = await start({ REDIS_URL: await unreachable(), RATE_LIMIT_MAX: 1, RATE_LIMIT_ON_STORE_FAILURE: 'refuse' });
    const refused = await get(harness, await token({ owner_id: 'owner-a' }));
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ detail: 'The rate-limit store cannot be reached; retry shortly.' });
    // Health and docs are outside the public API's limiter.
    expect((await harness.gateway.inject({ method: 'GET', url: '/healthz/live' })).statusCode).toBe(200);
  });
});
