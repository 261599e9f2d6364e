// The DeliveryStore contract: one suite, run against every adapter (in-memory always,
// Redis when REDIS_URL is set). An adapter that passes it can back the service.
import { setTimeout as sleep } from 'node:timers/promises';
import { type StoreFixture, withStartedStore } from '@dronedelivery/service-kit/testing';
import { describe, expect, it } from 'vitest';
import { type Change, type ScheduledDelivery, schedule } from '../src/domain.ts';
import type { DeliveryStore } from '../src/store/store.ts';
import { deliveryBody, times } from './fixtures.ts';

function created(id: string, ownerId = 'owner-a'): Change {
  const change = schedule(id, deliveryBody({ ownerId }), undefined, times.scheduled).change;
  if (!change) throw new Error('a new delivery is always a change');
  return change;
}

function withStage(change: Change, stage: ScheduledDelivery['stage'], extra: Partial<Change> = {}): Change {
  return {
    ...change,
    record: { ...(change.record as ScheduledDelivery), stage },
    events: [{ stage, at: times.departure }],
    index: undefined,
    ...extra,
  } as Change;
}

export function describeDeliveryStoreContract(adapter: string, open: () => Promise<StoreFixture<DeliveryStore>>): void {
  describe(`DeliveryStore contract: ${adapter}`, () => {
    const withStore = (test: (store: DeliveryStore) => Promise<void>) => withStartedStore(open, test);

    it('creates a record at version 1 with its first event, and reads both back', () =>
      withStore(async (store) => {
        expect(await store.get('d-1')).toBeUndefined();
        const change = created('d-1');
        expect(await store.commit('d-1', 0, change)).toBe(true);
        expect(await store.get('d-1')).toEqual({ record: change.record, version: 1 });
        expect(await store.events('d-1')).toEqual(change.events);
      }));

    it('refuses a write decided on a stale version, changing nothing', () =>
      withStore(async (store) => {
        const change = created('d-1');
        await store.commit('d-1', 0, change);
        expect(await store.commit('d-1', 0, change)).toBe(false);
        expect(await store.commit('d-1', 5, withStage(change, 'Rescheduled'))).toBe(false);
        expect(await store.get('d-1')).toEqual({ record: change.record, version: 1 });
        expect(await store.events('d-1')).toHaveLength(1);
        expect(await store.commit('d-1', 1, withStage(change, 'Rescheduled'))).toBe(true);
        expect((await store.get('d-1'))?.version).toBe(2);
        expect((await store.events('d-1')).map((event) => event.stage)).toEqual(['Created', 'Rescheduled']);
      }));

    it('lets exactly one of many concurrent writers of the same version win', () =>
      withStore(async (store) => {
        await store.commit('d-1', 0, created('d-1'));
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.commit('d-1', 1, withStage(created('d-1'), 'Rescheduled'))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.events('d-1')).toHaveLength(2);
      }));

    it('counts an owner month from the index, and forgets a removed member', () =>
      withStore(async (store) => {
        await store.commit('d-1', 0, created('d-1'));
        await store.commit('d-2', 0, created('d-2'));
        await store.commit('d-3', 0, created('d-3', 'owner-b'));
        expect(await store.countForOwnerMonth('owner-a', '2026-11')).toBe(2);
        expect(await store.countForOwnerMonth('owner-a', '2026-10')).toBe(0);
        expect(await store.countForOwnerMonth('owner-b', '2026-11')).toBe(1);
        await store.commit(
          'd-2',
          1,
          withStage(created('d-2'), 'Cancelled', { index: { ownerId: 'owner-a', month: '2026-11', op: 'remove' } }),
        );
        expect(await store.countForOwnerMonth('owner-a', '2026-11')).toBe(1);
      }));

    it('appends notifications to the outbound stream in order', () =>
      withStore(async (store) => {
        await store.commit('d-1', 0, created('d-1'));
        const notifications = [
          {
            deliveryId: 'd-1',
            ownerId: 'owner-a',
            channel: 'email' as const,
            address: 'a@example.com',
            stage: 'Completed' as const,
            at: times.deliveryEta,
          },
          {
            deliveryId: 'd-1',
            ownerId: 'owner-a',
            channel: 'sms' as const,
            address: '+14255550100',
            stage: 'Completed' as const,
            at: times.deliveryEta,
          },
        ];
        await store.commit('d-1', 1, withStage(created('d-1'), 'Completed', { notifications }));
        expect((await store.recentNotifications(10)).slice(-2)).toEqual(notifications);
      }));

    it('forgets a finished delivery, events included, once its retention has passed', () =>
      withStore(async (store) => {
        await store.commit('d-1', 0, created('d-1'));
        const finished = withStage(created('d-1'), 'Cancelled');
        await store.commit('d-1', 1, { ...finished, retainForMs: 300 });
        expect(await store.get('d-1')).toBeDefined();
        await sleep(600);
        expect(await store.get('d-1')).toBeUndefined();
        expect(await store.events('d-1')).toEqual([]);
      }));

    it('keeps the expiry when a finished delivery is written again, instead of resurrecting it', () =>
      withStore(async (store) => {
        await store.commit('d-1', 0, created('d-1'));
        const finished = withStage(created('d-1'), 'Completed');
        await store.commit('d-1', 1, { ...finished, retainForMs: 400 });
        // Later writes neither restart the clock nor remove the expiry.
        await store.commit('d-1', 2, { ...finished, events: [], retainForMs: 60_000 });
        await store.commit('d-1', 3, { ...finished, events: [] });
        expect((await store.get('d-1'))?.version).toBe(4);
        await sleep(700);
        expect(await store.get('d-1')).toBeUndefined();
      }));

    it('answers a readiness ping', () =>
      withStore(async (store) => {
        await expect(store.ping(AbortSignal.timeout(2_000))).resolves.toBeUndefined();
      }));
  });
}
