import { describe, expect, it } from 'vitest';
import { schedule } from '../src/domain.ts';
import { deliveryBody, times } from './fixtures.ts';
import { openRedisStore, redisUrl } from './redis-fixture.ts';
import { describeDeliveryStoreContract } from './store.contract.ts';

// Runs against a real Redis whenever REDIS_URL is set (CI starts Debian's redis-server).
describe.runIf(redisUrl)('Redis adapter', () => {
  describeDeliveryStoreContract(`Redis at ${redisUrl}`, () => openRedisStore(redisUrl as string));

  it('sets a Redis TTL on a finished delivery and does not clear it on a later write', async () => {
    const { store, cleanup } = await openRedisStore(redisUrl as string);
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
