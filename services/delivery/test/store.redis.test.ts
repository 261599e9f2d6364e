import { type RedisTarget, redisTargets } from '@dronedelivery/redis/testing';
import { describe, expect, it } from 'vitest';
import { schedule } from '../src/domain.ts';
import { deliveryBody, times } from './fixtures.ts';
import { openRedisStore } from './redis-fixture.ts';
import { describeDeliveryStoreContract } from './store.contract.ts';

// Runs against a real Redis whenever REDIS_URL is set, and against a Redis Cluster of three
// masters whenever REDIS_CLUSTER_URL is (CI starts both from Debian's redis-server): a delivery's
// commit touches one hash slot, its lists and counts are read from every shard.
const targets: [string, RedisTarget | undefined][] = [
  ['Redis', redisTargets.server],
  ['Redis Cluster', redisTargets.cluster],
];

for (const [kind, target] of targets)
  describe.runIf(target)(`${kind} adapter`, () => {
    const on = target as RedisTarget;
    describeDeliveryStoreContract(`${kind} at ${on?.url}`, () => openRedisStore(on));

    it('sets a Redis TTL on a finished delivery and does not clear it on a later write', async () => {
      const { store, cleanup } = await openRedisStore(on);
      try {
        await store.start();
        const change = schedule('d-ttl', deliveryBody(), undefined, times.scheduled).change;
        if (!change) throw new Error('expected a change');
        await store.commit('d-ttl', 0, change);
        expect(await store.recordTtlMs('d-ttl')).toBe(-1);
        const finished = {
          ...change,
          events: [],
          index: undefined,
          record: { ...change.record, stage: 'Completed' as const },
          retainForMs: 60_000,
        };
        await store.commit('d-ttl', 1, finished);
        const ttl = await store.recordTtlMs('d-ttl');
        expect(ttl).toBeGreaterThan(55_000);
        await store.commit('d-ttl', 2, { ...finished, retainForMs: undefined });
        const after = await store.recordTtlMs('d-ttl');
        expect(after).toBeGreaterThan(0);
        expect(after).toBeLessThanOrEqual(ttl);
      } finally {
        await cleanup();
      }
    });
  });
