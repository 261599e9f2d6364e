// How many Cosmos DB requests one assignment makes, and which partitions they touch, counted
// at a real Cosmos DB server (@vercel/cosmosdb-server in this process: the server is the
// meter, so this file always starts its own); and many replicas booking few drones at once,
// against COSMOS_ENDPOINT when set, never booking a drone twice.
import type { DroneAssignmentRequest } from '@dronedelivery/contracts';
import { SEATTLE } from '@dronedelivery/geo';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoDroneAvailable } from '../src/domain.ts';
import type { Drone } from '../src/fleet.ts';
import { Scheduler } from '../src/scheduler.ts';
import { CosmosSchedulerStore, usageQuery } from '../src/store/cosmos.ts';
import { type CosmosTarget, cosmosTarget } from './cosmos-server.ts';
import { north, now, request } from './fixtures.ts';

/** A fleet of `size` Medium drones on a grid over Seattle, as the benchmark's. */
function gridFleet(size: number): Drone[] {
  return Array.from({ length: size }, (_, i) => ({
    id: `grid-${i}`,
    base: { latitude: 47.5 + (i % 20) * 0.01, longitude: -122.4 + Math.floor(i / 20) * 0.02 },
    cruiseSpeedMph: 30 + (i % 4) * 10,
    payload: { maxSize: 'Medium', maxWeightKg: 10 },
  }));
}

const at = (minutesFromTen: number) => new Date(Date.parse('2030-03-10T10:00:00.000Z') + minutesFromTen * 60_000).toISOString();

describe('requests per assignment, counted at the server', () => {
  let target: CosmosTarget;
  beforeAll(async () => {
    target = await cosmosTarget({}); // its own server: the count is taken there
  });
  afterAll(() => target?.close());

  it.each([12, 200])(
    'a fleet of %i drones: an assignment reads its record and one drone, never the fleet',
    async (size) => {
      const fleet = gridFleet(size);
      const settings = target.settings();
      const store = new CosmosSchedulerStore(settings, capturingLogger('dronescheduler').log, { agent: target.agent });
      const charges: string[] = [];
      store.onRequestCharge((operation) => charges.push(operation));
      try {
        await store.start(fleet);
        const scheduler = new Scheduler(store, fleet, SEATTLE, () => now);
        const requests = target.server?.requests ?? [];
        const measure = async (step: () => Promise<unknown>) => {
          requests.length = 0;
          charges.length = 0;
          await step();
          return requests.splice(0).map(({ operation, partitionKey }) => ({ operation, partitionKey }));
        };
        // A third of the fleet busy at 10:00 (their own deliveries), so the fleet holds bookings.
        for (let i = 0; i < size / 3; i += 1) await scheduler.assign(`busy-${i}`, request({ pickupTime: at(0), pickup: `p-${i}` }));

        const assigned = await measure(() => scheduler.assign('d-1', request({ pickupTime: at(300) })));
        const charged = [...charges];
        const droneId = (await scheduler.assignmentOf('d-1'))?.assignment.droneId as string;
        expect(assigned).toEqual([
          { operation: 'read assignments', partitionKey: '["d-1"]' },
          { operation: 'read drones', partitionKey: `["${droneId}"]` },
          { operation: 'replace drones', partitionKey: `["${droneId}"]` },
          // Usage first, in the owner's partition, then the answer that makes it final.
          { operation: 'upsert utilization', partitionKey: '["owner-a"]' },
          { operation: 'upsert assignments', partitionKey: '["d-1"]' },
        ]);
        // Every response's request charge is reported by operation (the server charges 1 RU each).
        expect(charged).toEqual(['read assignment', 'read drone', 'reserve drone', 'record utilization', 'record assignment']);

        expect(await measure(() => scheduler.assign('d-1', request({ pickupTime: at(300) })))).toEqual([
          { operation: 'read assignments', partitionKey: '["d-1"]' },
        ]);

        const released = await measure(() => scheduler.release('d-1'));
        expect(released.map((r) => r.operation)).toEqual([
          'read assignments',
          'read drones',
          'replace drones',
          'delete utilization',
          'delete assignments',
        ]);
        expect(released[3]?.partitionKey).toBe('["owner-a"]');

        // The invoicing query: run inside the owner's partition (after the SDK asks the gateway for
        // the aggregate's query plan), values as parameters.
        const invoiced = await measure(() => scheduler.usage('owner-a', '2030-03'));
        expect(invoiced).toEqual([
          { operation: 'query plan utilization', partitionKey: undefined },
          { operation: 'query utilization', partitionKey: '["owner-a"]' },
        ]);
        expect(usageQuery('owner-a', '2030-03').query.query).not.toContain('owner-a');

        // What planning read per attempt before: the whole fleet, in a cross-partition query.
        const fleetRead = await measure(() => store.drones());
        expect(fleetRead.map((r) => r.operation)).toEqual(['query plan drones', 'query drones']);
        expect(fleetRead.every((r) => r.partitionKey === undefined)).toBe(true);
      } finally {
        await target.dropDatabase(settings.COSMOS_DATABASE);
        await store.close();
      }
    },
    60_000,
  ); // seeding 200 drones is 400 requests

  it('a busy best drone costs one more point read, and a lost race a read and a refused write', async () => {
    const fleet = gridFleet(12);
    const settings = target.settings();
    const store = new CosmosSchedulerStore(settings, capturingLogger('dronescheduler').log, { agent: target.agent });
    try {
      await store.start(fleet);
      const scheduler = new Scheduler(store, fleet, SEATTLE, () => now);
      const best = (await scheduler.assign('first', request({ pickupTime: at(0) }))).droneId;
      const requests = target.server?.requests ?? [];
      requests.length = 0;
      const second = await scheduler.assign('second', request({ pickupTime: at(5) }));
      expect(second.droneId).not.toBe(best);
      expect(requests.map((r) => r.operation)).toEqual([
        'read assignments',
        'read drones', // the best one: booked for an overlapping flight
        'read drones',
        'replace drones',
        'upsert utilization',
        'upsert assignments',
      ]);
    } finally {
      await target.dropDatabase(settings.COSMOS_DATABASE);
      await store.close();
    }
  });
});

describe('many concurrent assignments over few drones, from several replicas', () => {
  let target: CosmosTarget;
  beforeAll(async () => {
    target = await cosmosTarget();
  });
  afterAll(() => target?.close());

  const drones: Drone[] = ['a', 'b', 'c'].map((id) => ({
    id,
    base: north,
    cruiseSpeedMph: 40,
    payload: { maxSize: 'Medium', maxWeightKg: 10 },
  }));

  it('replicas starting at the same moment all start: the one that loses the race to create a container uses the winner', async () => {
    const settings = target.settings();
    // The database exists, so every replica goes straight to the containers: each reads one
    // (404) before any has created it, and all but one get 409 for the create.
    await target.createDatabase(settings.COSMOS_DATABASE);
    const replicas = Array.from(
      { length: 3 },
      () => new CosmosSchedulerStore(settings, capturingLogger('dronescheduler').log, { agent: target.agent }),
    );
    try {
      await Promise.all(replicas.map((store) => store.start(drones)));
      expect((await (replicas[2] as CosmosSchedulerStore).drones()).map((state) => state.drone.id).sort()).toEqual(['a', 'b', 'c']);
    } finally {
      await target.dropDatabase(settings.COSMOS_DATABASE);
      await Promise.all(replicas.map((store) => store.close()));
    }
  });

  it('never books a drone for two overlapping flights, and every accepted delivery holds exactly its one booking', async () => {
    const settings = target.settings();
    // Three replicas: three clients of their own on one database.
    const replicas = Array.from(
      { length: 3 },
      () => new CosmosSchedulerStore(settings, capturingLogger('dronescheduler').log, { agent: target.agent }),
    );
    try {
      for (const store of replicas) await store.start(drones);
      const schedulers = replicas.map((store) => new Scheduler(store, drones, SEATTLE, () => now));
      // 60 deliveries with pickups 4 minutes apart: each flight takes ~15, so every drone is contended.
      const requests: [string, DroneAssignmentRequest][] = Array.from({ length: 60 }, (_, i) => [
        `c-${i}`,
        request({ pickupTime: at(i * 4), ownerId: 'owner-c' }),
      ]);
      const outcomes = await Promise.allSettled(
        requests.map(([id, body], i) => (schedulers[i % schedulers.length] as Scheduler).assign(id, body)),
      );
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason);
      expect(refused.every((reason) => reason instanceof NoDroneAvailable)).toBe(true);
      const accepted = requests.filter((_, i) => outcomes[i]?.status === 'fulfilled').map(([id]) => id);
      expect(accepted.length).toBeGreaterThan(drones.length);

      const states = await (replicas[0] as CosmosSchedulerStore).drones();
      for (const state of states) {
        const flights = [...state.reservations].sort((a, b) => a.from.localeCompare(b.from));
        for (let i = 1; i < flights.length; i += 1) {
          expect(Date.parse(flights[i]?.from ?? ''), `${state.drone.id} double-booked`).toBeGreaterThanOrEqual(
            Date.parse(flights[i - 1]?.to ?? ''),
          );
        }
      }
      const booked = states.flatMap((state) => state.reservations.map((r) => ({ droneId: state.drone.id, deliveryId: r.deliveryId })));
      expect(booked.map((b) => b.deliveryId).sort()).toEqual([...accepted].sort());
      for (const { droneId, deliveryId } of booked) {
        expect((await (replicas[1] as CosmosSchedulerStore).getAssignment(deliveryId))?.assignment.droneId).toBe(droneId);
      }
      expect((await (replicas[2] as CosmosSchedulerStore).usage('owner-c', '2030-03')).deliveries).toBe(accepted.length);
    } finally {
      await target.dropDatabase(settings.COSMOS_DATABASE);
      await Promise.all(replicas.map((store) => store.close()));
    }
  }, 60_000);
});
