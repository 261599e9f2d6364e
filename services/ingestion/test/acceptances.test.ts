// The acceptance store's contract, for the memory adapter always, Redis whenever REDIS_URL is
// set and a Redis Cluster whenever REDIS_CLUSTER_URL is (CI sets both): one record per delivery id,
// and newest-first lists (everyone's, each owner's) that page exactly and forget what expired.
// Then the internal list route, which keeps a customer to its own acceptances.
import { randomUUID } from 'node:crypto';
import type { DeliveryAcceptance } from '@dronedelivery/contracts';
import { MemoryQueue } from '@dronedelivery/queue';
import { deleteKeysWithPrefix, type RedisTarget, redisTargets } from '@dronedelivery/redis/testing';
import { identityHeaders, type Role } from '@dronedelivery/service-kit';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAcceptanceStore } from '../src/acceptances/memory.ts';
import { RedisAcceptanceStore } from '../src/acceptances/redis.ts';
import type { AcceptanceStore } from '../src/acceptances/store.ts';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { MemoryIdempotencyStore } from '../src/idempotency/memory.ts';
import { ORIGINAL_SAMPLE } from './samples.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A Redis acceptance store under a prefix of its own, removed after the test. */
function onRedis(target: RedisTarget): () => Promise<AcceptanceStore> {
  return async () => {
    const prefix = `acceptances-${randomUUID().slice(0, 8)}:`;
    const store = new RedisAcceptanceStore(
      { url: target.url, cluster: target.cluster, keyPrefix: prefix },
      capturingLogger('acceptances').log,
    );
    cleanups.push(async () => {
      await store.close();
      await deleteKeysWithPrefix(target, prefix);
    });
    await store.ready();
    return store;
  };
}

const adapters: { name: string; open: (() => Promise<AcceptanceStore>) | undefined }[] = [
  { name: 'memory', open: async () => new MemoryAcceptanceStore() },
  { name: 'Redis', open: redisTargets.server && onRedis(redisTargets.server) },
  { name: 'Redis Cluster', open: redisTargets.cluster && onRedis(redisTargets.cluster) },
];

/** A minute ago: lists keep what was accepted within the time to live. */
const BASE = Date.now() - 60_000;

function acceptance(deliveryId: string, ownerId: string, offsetMs: number): DeliveryAcceptance {
  return {
    acceptedAt: new Date(BASE + offsetMs).toISOString(),
    request: {
      deliveryId,
      ownerId,
      pickupLocation: { latitude: 47.6, longitude: -122.3 },
      dropOffLocation: { latitude: 47.61, longitude: -122.31 },
      pickupTime: '2026-11-02T10:00:00.000Z',
      deadline: null,
      expedited: false,
      confirmationRequired: 'None',
      packageInfo: { packageId: `pkg-${deliveryId}`, size: 'Small', weight: 1 },
    },
  } as DeliveryAcceptance;
}

const idsOf = (found: DeliveryAcceptance[]) => found.map((item) => item.request.deliveryId);

for (const { name, open: openStore } of adapters)
  describe.runIf(openStore)(`acceptance store: ${name}`, () => {
    const open = openStore as () => Promise<AcceptanceStore>;
    it('lists newest first (time, then id), per owner and for everyone, and pages exactly after a cursor', async () => {
      const store = await open();
      // d-b and d-c share a millisecond; recorded out of order on purpose.
      for (const [id, owner, offset] of [
        ['d-a', 'owner-1', 0],
        ['d-c', 'owner-1', 10],
        ['d-b', 'owner-1', 10],
        ['d-x', 'owner-2', 15],
        ['d-d', 'owner-1', 20],
      ] as const)
        await store.record(acceptance(id, owner, offset), 3600);

      expect(idsOf(await store.list({ ownerId: 'owner-1', count: 10 }))).toEqual(['d-d', 'd-c', 'd-b', 'd-a']);
      expect(idsOf(await store.list({ count: 10 }))).toEqual(['d-d', 'd-x', 'd-c', 'd-b', 'd-a']);
      expect(idsOf(await store.list({ ownerId: 'owner-1', count: 2 }))).toEqual(['d-d', 'd-c']);
      // After d-c (same millisecond as d-b): d-b comes next, not skipped.
      expect(idsOf(await store.list({ ownerId: 'owner-1', count: 10, after: { at: BASE + 10, id: 'd-c' } }))).toEqual(['d-b', 'd-a']);
      expect(idsOf(await store.list({ ownerId: 'owner-1', count: 10, from: BASE + 10, to: BASE + 20 }))).toEqual(['d-c', 'd-b']);
      expect(await store.list({ ownerId: 'owner-3', count: 10 })).toEqual([]);
    });

    it('keeps the first record of a delivery id, listed once', async () => {
      const store = await open();
      await store.record(acceptance('d-1', 'owner-1', 0), 3600);
      await store.record({ ...acceptance('d-1', 'owner-2', 5) }, 3600);
      expect(await store.find('d-1')).toEqual(acceptance('d-1', 'owner-1', 0));
      expect(idsOf(await store.list({ count: 10 }))).toEqual(['d-1']);
      expect(await store.list({ ownerId: 'owner-2', count: 10 })).toEqual([]);
    });

    it('forgets an acceptance when its time to live has passed, in the lists too', async () => {
      const store = await open();
      // Accepted just now and a moment before (every record trims the lists by its own time to live).
      const now = Date.now() - BASE;
      await store.record(acceptance('d-short', 'owner-1', now), 1);
      await store.record(acceptance('d-long', 'owner-1', now - 100), 3600);
      expect(idsOf(await store.list({ ownerId: 'owner-1', count: 10 }))).toEqual(['d-short', 'd-long']);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await store.find('d-short')).toBeUndefined();
      expect(idsOf(await store.list({ ownerId: 'owner-1', count: 10 }))).toEqual(['d-long']);
      expect(idsOf(await store.list({ count: 1 }))).toEqual(['d-long']);
    });
  });

describe('GET /api/deliveryrequests (internal list)', () => {
  async function start() {
    const queue = new MemoryQueue({ maxAttempts: 3, backoffMs: 10 });
    const app = await startForInject(
      await buildApp({
        config: { ...configSchema.parse({}), ...testConfig() },
        log: capturingLogger('ingestion').log,
        queue,
        idempotency: new MemoryIdempotencyStore(),
        acceptances: new MemoryAcceptanceStore(),
      }),
    );
    cleanups.push(async () => {
      await app.close();
      await queue.close();
    });
    return app;
  }
  const as = (roles: Role[], ownerId?: string) => identityHeaders({ subject: 'test', roles: new Set(roles), ownerId });

  it("pages newest first with a cursor; a customer gets only its own, an operator anyone's", async () => {
    const app = await start();
    const ids: string[] = [];
    for (const owner of ['owner-a', 'owner-a', 'owner-b', 'owner-a']) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/deliveryrequests',
        payload: { ...JSON.parse(ORIGINAL_SAMPLE), ownerId: owner },
      });
      expect(response.statusCode).toBe(202);
      if (owner === 'owner-a') ids.push((response.json() as { deliveryId: string }).deliveryId);
    }
    const read = async (query: string, headers: Record<string, string>) => {
      const response = await app.inject({ method: 'GET', url: `/api/deliveryrequests${query}`, headers });
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as { items: DeliveryAcceptance[]; nextCursor?: string };
    };
    const customer = as(['customer'], 'owner-a');
    // A customer's query for another owner still lists its own.
    const first = await read('?limit=2&ownerId=owner-b', customer);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeDefined();
    const second = await read(`?limit=2&cursor=${first.nextCursor}`, customer);
    expect(second.nextCursor).toBeUndefined();
    const listed = idsOf([...first.items, ...second.items]);
    expect(listed.toSorted()).toEqual(ids.toSorted());
    expect(new Set([...first.items, ...second.items].map((item) => item.request.ownerId))).toEqual(new Set(['owner-a']));
    expect((await read('?ownerId=owner-b', as(['operator']))).items).toHaveLength(1);
    expect((await read('', as(['operator']))).items).toHaveLength(4);
    expect((await read('', as(['drone']))).items).toEqual([]);
    const bad = await app.inject({ method: 'GET', url: '/api/deliveryrequests?cursor=bm9wZQ', headers: customer });
    expect(bad.statusCode).toBe(400);
  });
});
