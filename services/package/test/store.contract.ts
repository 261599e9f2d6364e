// The PackageStore contract: one suite, run against every adapter (in-memory always,
// MongoDB when MONGODB_URL is set). An adapter that passes it can back the service.
import { type StoreFixture, withStartedStore } from '@dronedelivery/service-kit/testing';
import { describe, expect, it } from 'vitest';
import { PackageOwnedByAnotherOwner } from '../src/domain.ts';
import type { PackageStore } from '../src/store/store.ts';

const november = new Date('2026-11-15T12:00:00Z');
const small = { ownerId: 'owner-a', size: 'Small', weight: 2.5, tag: 'fragile' } as const;

export function describePackageStoreContract(adapter: string, open: () => Promise<StoreFixture<PackageStore>>): void {
  describe(`PackageStore contract: ${adapter}`, () => {
    const withStore = (test: (store: PackageStore) => Promise<void>) => withStartedStore(open, test);

    it('creates a package, then reads it back', () =>
      withStore(async (store) => {
        const result = await store.upsert('p-1', small, november);
        expect(result).toEqual({ outcome: 'created', package: { id: 'p-1', ...small } });
        expect(await store.get('p-1')).toEqual({ id: 'p-1', ...small });
        expect(await store.get('p-unknown')).toBeUndefined();
      }));

    it('reports an identical repeat as unchanged and a different one as updated, replacing the document', () =>
      withStore(async (store) => {
        await store.upsert('p-1', small, november);
        expect((await store.upsert('p-1', small, november)).outcome).toBe('unchanged');
        const withoutTag = { ownerId: 'owner-a', size: 'Medium', weight: 4 } as const;
        expect(await store.upsert('p-1', withoutTag, november)).toEqual({ outcome: 'updated', package: { id: 'p-1', ...withoutTag } });
        // PUT replaces: the tag that was not sent is gone.
        expect(await store.get('p-1')).toEqual({ id: 'p-1', ...withoutTag });
      }));

    it("refuses to give one owner's package id to another owner, and changes nothing", () =>
      withStore(async (store) => {
        await store.upsert('p-1', small, november);
        await expect(store.upsert('p-1', { ...small, ownerId: 'owner-b', weight: 9 }, november)).rejects.toBeInstanceOf(
          PackageOwnedByAnotherOwner,
        );
        expect(await store.get('p-1')).toEqual({ id: 'p-1', ...small });
      }));

    it('patches only the fields given', () =>
      withStore(async (store) => {
        await store.upsert('p-1', small, november);
        expect(await store.patch('p-1', { weight: 3 })).toEqual({ id: 'p-1', ...small, weight: 3 });
        expect(await store.patch('p-1', { size: 'Large', tag: 'heavy' })).toEqual({
          id: 'p-1',
          ownerId: 'owner-a',
          size: 'Large',
          weight: 3,
          tag: 'heavy',
        });
        expect(await store.get('p-1')).toEqual({ id: 'p-1', ownerId: 'owner-a', size: 'Large', weight: 3, tag: 'heavy' });
        expect(await store.patch('p-missing', { weight: 1 })).toBeUndefined();
        expect(await store.get('p-missing')).toBeUndefined();
      }));

    it("totals an owner's packages created in a month: other owners, other months and boundaries excluded", () =>
      withStore(async (store) => {
        const start = new Date('2026-11-01T00:00:00Z');
        const end = new Date('2026-12-01T00:00:00Z');
        await store.upsert('a-1', { ownerId: 'owner-a', size: 'Small', weight: 1.25 }, start); // first instant: in
        await store.upsert('a-2', { ownerId: 'owner-a', size: 'Medium', weight: 2.5 }, november);
        await store.upsert('a-3', { ownerId: 'owner-a', size: 'Large', weight: 2.5 }, new Date('2026-11-30T23:59:59.999Z'));
        await store.upsert('a-4', { ownerId: 'owner-a', size: 'Small', weight: 7 }, end); // next month: out
        await store.upsert('a-5', { ownerId: 'owner-a', size: 'Small', weight: 9 }, new Date('2026-10-31T23:59:59.999Z')); // out
        await store.upsert('b-1', { ownerId: 'owner-b', size: 'Small', weight: 5 }, november); // other owner: out
        // Updating a package later does not move it to another month.
        await store.upsert('a-2', { ownerId: 'owner-a', size: 'Medium', weight: 3 }, new Date('2026-12-05T00:00:00Z'));

        const totals = await store.totals('owner-a', start, end);
        expect(totals.count).toBe(3);
        expect(totals.totalWeight).toBeCloseTo(1.25 + 3 + 2.5, 9);
        expect(await store.totals('owner-b', start, end)).toEqual({ count: 1, totalWeight: 5 });
        expect(await store.totals('owner-c', start, end)).toEqual({ count: 0, totalWeight: 0 });
      }));

    it('creates exactly one package when 50 first writes of the same id race', () =>
      withStore(async (store) => {
        const results = await Promise.all(Array.from({ length: 50 }, () => store.upsert('p-race', small, november)));
        expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
        expect(results.filter((r) => r.outcome !== 'created').every((r) => r.outcome === 'unchanged')).toBe(true);
        expect(await store.totals('owner-a', new Date('2026-11-01T00:00:00Z'), new Date('2026-12-01T00:00:00Z'))).toEqual({
          count: 1,
          totalWeight: 2.5,
        });
      }));

    it('answers a readiness ping', () =>
      withStore(async (store) => {
        await expect(store.ping(AbortSignal.timeout(2_000))).resolves.toBeUndefined();
      }));
  });
}
