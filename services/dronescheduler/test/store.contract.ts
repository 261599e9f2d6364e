// The SchedulerStore contract: one suite, run against every adapter (in-memory always,
// Cosmos DB when COSMOS_ENDPOINT is set).
import { type StoreFixture, withStartedStore } from '@dronedelivery/service-kit/testing';
import { describe, expect, it } from 'vitest';
import type { DroneState } from '../src/domain.ts';
import type { AssignmentRecord, SchedulerStore } from '../src/store/store.ts';
import { fleet } from './fixtures.ts';

function record(deliveryId: string, ownerId: string, month: string, miles: number, hours: number): AssignmentRecord {
  return {
    deliveryId,
    ownerId,
    requestKey: `key-${deliveryId}`,
    usage: { month, miles, hours },
    assignment: {
      droneId: 'north-slow',
      pickupEta: '2030-03-10T10:00:00.000Z',
      deliveryEta: '2030-03-10T10:10:00.000Z',
      distanceMiles: 4.1,
      route: [
        { latitude: 47.7, longitude: -122.33, at: '2030-03-10T09:52:00.000Z' },
        { latitude: 47.6, longitude: -122.33, at: '2030-03-10T10:10:00.000Z' },
      ],
    },
  };
}

export function describeSchedulerStoreContract(adapter: string, open: () => Promise<StoreFixture<SchedulerStore>>): void {
  describe(`SchedulerStore contract: ${adapter}`, () => {
    // Seeding the fleet is part of start(), and of what these tests check.
    const withStore = (test: (store: SchedulerStore) => Promise<void>) => withStartedStore(open, test, (store) => store.start(fleet));
    const reservation = { deliveryId: 'd-1', from: '2030-03-10T09:52:00.000Z', to: '2030-03-10T10:30:00.000Z' };

    it('seeds the fleet, and seeding again keeps reservations while updating definitions', () =>
      withStore(async (store) => {
        await store.start(fleet);
        expect((await store.drones()).map((state) => state.drone.id).sort()).toEqual(['north-light', 'north-slow', 'south-fast']);
        const before = (await store.drone('north-slow')) as DroneState;
        expect(await store.replaceReservations(before, [reservation])).toBe(true);
        await store.start(fleet.map((drone) => (drone.id === 'north-slow' ? { ...drone, cruiseSpeedMph: 35 } : drone)));
        const after = (await store.drone('north-slow')) as DroneState;
        expect(after.drone.cruiseSpeedMph).toBe(35);
        expect(after.reservations).toEqual([reservation]);
      }));

    it('replaces reservations only at the version they were read at', () =>
      withStore(async (store) => {
        const read = (await store.drone('south-fast')) as DroneState;
        expect(await store.replaceReservations(read, [reservation])).toBe(true);
        expect(await store.replaceReservations(read, [])).toBe(false);
        expect((await store.drone('south-fast'))?.reservations).toEqual([reservation]);
        expect(await store.drone('no-such-drone')).toBeUndefined();
      }));

    it('lets one of many concurrent bookings of the same drone version win', () =>
      withStore(async (store) => {
        const read = (await store.drone('south-fast')) as DroneState;
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.replaceReservations(read, [{ ...reservation, deliveryId: `d-${i}` }])),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.drone('south-fast'))?.reservations).toHaveLength(1);
      }));

    it('stores, replaces and deletes assignments by delivery id', () =>
      withStore(async (store) => {
        expect(await store.getAssignment('d-1')).toBeUndefined();
        await store.putAssignment(record('d-1', 'owner-a', '2030-03', 10, 0.5));
        await store.putAssignment(record('d-1', 'owner-a', '2030-03', 12, 0.6));
        expect(await store.getAssignment('d-1')).toEqual(record('d-1', 'owner-a', '2030-03', 12, 0.6));
        expect(await store.usage('owner-a', '2030-03')).toEqual({ miles: 12, hours: 0.6, deliveries: 1 });
        await store.deleteAssignment(record('d-1', 'owner-a', '2030-03', 12, 0.6));
        await store.deleteAssignment(record('d-1', 'owner-a', '2030-03', 12, 0.6));
        expect(await store.getAssignment('d-1')).toBeUndefined();
        expect(await store.usage('owner-a', '2030-03')).toEqual({ miles: 0, hours: 0, deliveries: 0 });
      }));

    it("sums an owner's usage for a month, leaving out other owners and months", () =>
      withStore(async (store) => {
        await store.putAssignment(record('d-1', 'owner-a', '2030-03', 10.5, 0.5));
        await store.putAssignment(record('d-2', 'owner-a', '2030-03', 4.25, 0.25));
        await store.putAssignment(record('d-3', 'owner-a', '2030-04', 100, 5));
        await store.putAssignment(record('d-4', 'owner-b', '2030-03', 100, 5));
        const totals = await store.usage('owner-a', '2030-03');
        expect(totals.deliveries).toBe(2);
        expect(totals.miles).toBeCloseTo(14.75, 9);
        expect(totals.hours).toBeCloseTo(0.75, 9);
      }));

    it('records a fault with the reservations the drone keeps, keeps it across seeding and clears it on repair', () =>
      withStore(async (store) => {
        const fault = {
          at: '2030-03-10T10:00:00.000Z',
          location: { latitude: 47.65, longitude: -122.33 },
          deliveryId: 'd-1',
          reason: 'motor failure',
          deliveries: [{ deliveryId: 'd-1', ownerId: 'owner-a', packageOnBoard: true }],
        };
        const read = (await store.drone('north-slow')) as DroneState;
        expect(await store.replaceReservations(read, [reservation])).toBe(true);
        const booked = (await store.drone('north-slow')) as DroneState;
        expect(await store.replaceFault(read, fault, [])).toBe(false);
        expect(await store.replaceFault(booked, fault, [])).toBe(true);
        const faulted = (await store.drone('north-slow')) as DroneState;
        expect(faulted.fault).toEqual(fault);
        expect(faulted.reservations).toEqual([]);
        // A booking written on the faulted drone's version keeps the fault.
        expect(await store.replaceReservations(faulted, [reservation])).toBe(true);
        await store.start(fleet);
        expect((await store.drone('north-slow'))?.fault).toEqual(fault);
        expect((await store.drones()).find((state) => state.drone.id === 'north-slow')?.fault).toEqual(fault);
        expect((await store.drone('south-fast'))?.fault).toBeUndefined();
        const repaired = (await store.drone('north-slow')) as DroneState;
        expect(await store.replaceFault(repaired, undefined, repaired.reservations)).toBe(true);
        expect((await store.drone('north-slow'))?.fault).toBeUndefined();
        expect((await store.drone('north-slow'))?.reservations).toEqual([reservation]);
      }));

    it('answers a readiness ping', () =>
      withStore(async (store) => {
        await expect(store.ping(AbortSignal.timeout(5_000))).resolves.toBeUndefined();
      }));
  });
}
