// The scheduler reads drones one by one, best-ranked first, instead of the whole fleet, and
// still books what the whole-fleet rule (planAssignment) picks; the rest of the fleet is read
// only when the MAX_CANDIDATES best are all booked.
import { SEATTLE } from '@dronedelivery/geo';
import { describe, expect, it } from 'vitest';
import { NoDroneAvailable, planAssignment } from '../src/domain.ts';
import type { Drone } from '../src/fleet.ts';
import { MAX_CANDIDATES, Scheduler } from '../src/scheduler.ts';
import { MemorySchedulerStore } from '../src/store/memory.ts';
import { now, request } from './fixtures.ts';

/** A small deterministic pseudo-random sequence (so a failure can be replayed). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const sizes = ['Small', 'Medium', 'Large'] as const;

/** Counts the store's drone reads. */
class CountingStore extends MemorySchedulerStore {
  reads = 0;
  fleetReads = 0;
  override async drone(id: string) {
    this.reads += 1;
    return super.drone(id);
  }
  override async drones() {
    this.fleetReads += 1;
    return super.drones();
  }
}

describe('Scheduler', () => {
  it('books the drone the whole-fleet rule picks, over random fleets, bookings and requests, whatever the number read one by one', async () => {
    const next = random(7);
    for (let round = 0; round < 40; round += 1) {
      const fleet: Drone[] = Array.from({ length: 2 + Math.floor(next() * 12) }, (_, i) => ({
        id: `r${round}-${i}`,
        base: { latitude: 47.45 + next() * 0.3, longitude: -122.45 + next() * 0.25 },
        cruiseSpeedMph: 20 + Math.floor(next() * 50),
        payload: { maxSize: sizes[Math.floor(next() * 3)] as Drone['payload']['maxSize'], maxWeightKg: 2 + Math.floor(next() * 20) },
      }));
      const store = new MemorySchedulerStore();
      await store.start(fleet);
      // Also with few candidates read one by one, so that the whole-fleet read past them is exercised.
      const scheduler = new Scheduler(store, fleet, SEATTLE, () => now, { maxCandidates: [1, 3, MAX_CANDIDATES][round % 3] as number });
      for (let i = 0; i < 8; i += 1) {
        const body = request({
          pickup: { latitude: 47.45 + next() * 0.3, longitude: -122.45 + next() * 0.25 },
          dropoff: { latitude: 47.45 + next() * 0.3, longitude: -122.45 + next() * 0.25 },
          pickupTime: new Date(now.getTime() + Math.floor(next() * 240) * 60_000).toISOString(),
          expedited: next() < 0.4,
          packageDetails: [{ id: 'p', size: sizes[Math.floor(next() * 2)] as 'Small', weight: 1 + Math.floor(next() * 4) }],
        });
        let expected: string | undefined;
        try {
          expected = planAssignment(`d-${i}`, body, await store.drones(), now, SEATTLE).droneId;
        } catch (error) {
          expected = error instanceof NoDroneAvailable ? 'none free' : 'none capable';
        }
        const booked = await scheduler.assign(`d-${i}`, body).then(
          (assignment) => assignment.droneId,
          (error: unknown) => (error instanceof NoDroneAvailable ? 'none free' : 'none capable'),
        );
        expect(booked, `round ${round}, request ${i}`).toBe(expected);
      }
    }
  });

  it(`reads the ${MAX_CANDIDATES} best-ranked drones one by one, and the rest of the fleet at once only when they are all booked`, async () => {
    // 20 drones in a row north of the pickup, nearest first; the 17 nearest are booked at 10:00.
    const fleet: Drone[] = Array.from({ length: 20 }, (_, i) => ({
      id: `row-${String(i).padStart(2, '0')}`,
      base: { latitude: 47.67 + i * 0.002, longitude: -122.33 },
      cruiseSpeedMph: 40,
      payload: { maxSize: 'Medium', maxWeightKg: 10 },
    }));
    const store = new CountingStore();
    await store.start(fleet);
    for (const drone of fleet.slice(0, 17)) {
      const state = await store.drone(drone.id);
      if (state)
        await store.replaceReservations(state, [{ deliveryId: 'other', from: '2030-03-10T09:00:00.000Z', to: '2030-03-10T12:00:00.000Z' }]);
    }
    const scheduler = new Scheduler(store, fleet, SEATTLE, () => now);

    store.reads = 0;
    store.fleetReads = 0;
    expect((await scheduler.assign('d-1', request({ pickupTime: '2030-03-10T13:00:00.000Z' }))).droneId).toBe('row-00');
    expect([store.reads, store.fleetReads]).toEqual([1, 0]);

    store.reads = 0;
    expect((await scheduler.assign('d-2', request())).droneId).toBe('row-17'); // the nearest free one, as the rule says
    expect([store.reads, store.fleetReads]).toEqual([MAX_CANDIDATES, 1]);

    store.reads = 0;
    store.fleetReads = 0;
    const narrow = new Scheduler(store, fleet, SEATTLE, () => now, { maxCandidates: 4 });
    expect((await narrow.assign('d-3', request())).droneId).toBe('row-18');
    expect([store.reads, store.fleetReads]).toEqual([4, 1]);
  });
});
