// The dronescheduler over HTTP, as the workflow and the gateway call it: on the in-memory
// store, and on the Cosmos DB adapter against a real Cosmos DB server (COSMOS_ENDPOINT, or
// @vercel/cosmosdb-server in this process).
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import type { Drone } from '../src/fleet.ts';
import { CosmosSchedulerStore } from '../src/store/cosmos.ts';
import { MemorySchedulerStore } from '../src/store/memory.ts';
import type { SchedulerStore } from '../src/store/store.ts';
import { type CosmosTarget, cosmosTarget } from './cosmos-server.ts';
import { fleet, north, now, request } from './fixtures.ts';

let cosmos: CosmosTarget;
beforeAll(async () => {
  cosmos = await cosmosTarget();
});
afterAll(() => cosmos?.close());

/** A fresh store for one test, and what removes it afterwards. */
type OpenStore = () => { store: SchedulerStore; cleanup: () => Promise<void> };

const adapters: [string, OpenStore][] = [
  ['in-memory store', () => ({ store: new MemorySchedulerStore(), cleanup: async () => {} })],
  [
    'Cosmos DB adapter',
    () => {
      const settings = cosmos.settings();
      const store = new CosmosSchedulerStore(settings, capturingLogger('dronescheduler').log, { agent: cosmos.agent });
      return { store, cleanup: () => cosmos.dropDatabase(settings.COSMOS_DATABASE) };
    },
  ],
];

describe.each(adapters)('%s', (_adapter, openStore) => {
  let app: ServiceInstance | undefined;
  let store: SchedulerStore;
  let cleanup: (() => Promise<void>) | undefined;
  /** The service's "now"; a test moves it on. */
  let time = now;

  async function start(drones: Drone[], settings: { SIMULATION_SPEED?: number } = {}): Promise<void> {
    ({ store, cleanup } = openStore());
    const config = { ...configSchema.parse({}), ...testConfig(), FLEET_JSON: drones, ...settings };
    app = await startForInject(await buildApp({ config, log: capturingLogger('dronescheduler').log, store, clock: () => time }));
  }

  afterEach(async () => {
    await app?.close();
    await cleanup?.();
    app = undefined;
    cleanup = undefined;
    time = now;
  });

  const inject = (options: { method: 'GET' | 'PUT' | 'DELETE' | 'POST'; url: string; payload?: object }) =>
    (app as ServiceInstance).inject(options);
  const assign = (deliveryId: string, body: unknown = request()) =>
    inject({ method: 'PUT', url: `/api/dronedeliveries/${deliveryId}`, payload: body as object });
  const utilization = (query: string) => inject({ method: 'GET', url: `/api/dronedeliveries/utilization?${query}` });

  describe('assignment', () => {
    beforeEach(() => start(fleet));

    it('is idempotent: a retry gets the same drone and ETAs, and usage is recorded once', async () => {
      const first = await assign('d-1');
      expect(first.statusCode).toBe(200);
      const again = await assign('d-1');
      expect(again.json()).toEqual(first.json());
      const usage = (await utilization('ownerId=owner-a&year=2030&month=3')).json() as { deliveries: number; traveledMiles: number };
      expect(usage.deliveries).toBe(1);
      const reservations = (await store.drones()).flatMap((state) => state.reservations);
      expect(reservations.map((r) => r.deliveryId)).toEqual(['d-1']);
    });

    it('re-plans when the request changes (a reschedule), keeping one reservation', async () => {
      await assign('d-1');
      const moved = await assign('d-1', request({ pickupTime: '2030-03-10T15:00:00.000Z' }));
      expect(moved.json()).toMatchObject({ pickupEta: '2030-03-10T15:00:00.000Z' });
      const reservations = (await store.drones()).flatMap((state) => state.reservations);
      expect(reservations).toHaveLength(1);
      expect(reservations[0]?.from.startsWith('2030-03-10T14:')).toBe(true);
    });

    it('answers 409 with Retry-After when no capable drone is free, and a release frees one', async () => {
      expect((await assign('d-1')).json()).toMatchObject({ droneId: 'north-slow' });
      expect((await assign('d-2')).json()).toMatchObject({ droneId: 'south-fast' });
      const busy = await assign('d-3');
      expect(busy.statusCode).toBe(409);
      expect(Number(busy.headers['retry-after'])).toBeGreaterThan(0);
      expect(busy.json()).toMatchObject({ type: expect.stringContaining('no-drone-available') });

      expect((await inject({ method: 'DELETE', url: '/api/dronedeliveries/d-1' })).statusCode).toBe(204);
      expect((await inject({ method: 'DELETE', url: '/api/dronedeliveries/d-1' })).statusCode).toBe(204);
      expect((await assign('d-3')).json()).toMatchObject({ droneId: 'north-slow' });
    });

    it('answers 422 for a load no drone can carry', async () => {
      const response = await assign('d-1', request({ packageDetails: [{ id: 'p', size: 'Large', weight: 30 }] }));
      expect(response.statusCode).toBe(422);
    });

    it("refuses another owner's delivery id", async () => {
      await assign('d-1');
      expect((await assign('d-1', request({ ownerId: 'owner-b' }))).statusCode).toBe(409);
    });
  });

  describe('100 concurrent assignments over 10 drones', () => {
    const tenDrones: Drone[] = Array.from({ length: 10 }, (_, i) => ({
      id: `drone-${i}`,
      base: north,
      cruiseSpeedMph: 40,
      payload: { maxSize: 'Medium', maxWeightKg: 10 },
    }));

    beforeEach(() => start(tenDrones));

    it('never books a drone for two overlapping flights, and books one flight per accepted request', async () => {
      // Pickups every 2 minutes over 200 minutes: each flight takes ~20, so drones are contended.
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          assign(`d-${i}`, request({ pickupTime: new Date(Date.parse('2030-03-10T10:00:00.000Z') + i * 120_000).toISOString() })),
        ),
      );
      const accepted = responses.filter((r) => r.statusCode === 200);
      expect(responses.every((r) => r.statusCode === 200 || r.statusCode === 409)).toBe(true);
      expect(accepted.length).toBeGreaterThan(10);

      const states = await store.drones();
      for (const state of states) {
        const flights = [...state.reservations].sort((a, b) => a.from.localeCompare(b.from));
        for (let i = 1; i < flights.length; i += 1) {
          expect(Date.parse(flights[i]?.from ?? ''), `${state.drone.id} double-booked`).toBeGreaterThanOrEqual(
            Date.parse(flights[i - 1]?.to ?? ''),
          );
        }
      }
      const booked = states.flatMap((state) => state.reservations.map((r) => r.deliveryId));
      expect(new Set(booked).size).toBe(booked.length);
      expect(booked.length).toBe(accepted.length);
      const usage = (await utilization('ownerId=owner-a&year=2030&month=3')).json() as { deliveries: number };
      expect(usage.deliveries).toBe(accepted.length);
    }, 60_000); // on a Cosmos DB server, a few seconds on a busy machine
  });

  describe('utilization', () => {
    beforeEach(() => start(fleet));

    it('sums miles and hours per owner and month, 404 when there is nothing', async () => {
      const first = (await assign('d-1')).json() as { distanceMiles: number };
      await assign('d-2', request({ pickupTime: '2030-03-10T13:00:00.000Z' }));
      await assign('d-3', request({ ownerId: 'owner-b' }));
      const response = await utilization('ownerId=owner-a&year=2030&month=3');
      expect(response.statusCode).toBe(200);
      const body = response.json() as { traveledMiles: number; assignedHours: number; deliveries: number };
      expect(body.deliveries).toBe(2);
      expect(body.traveledMiles).toBeGreaterThan(2 * first.distanceMiles);
      expect(body.assignedHours).toBeGreaterThan(0);
      expect((await utilization('ownerId=owner-a&year=2030&month=4')).statusCode).toBe(404);
    });

    it.each([
      ['month 13', 'ownerId=o&year=2030&month=13', 'querystring.month'],
      ['month 0', 'ownerId=o&year=2030&month=0', 'querystring.month'],
      ['year 0', 'ownerId=o&year=0&month=3', 'querystring.year'],
      ['no owner', 'year=2030&month=3', 'querystring.ownerId'],
      ['a non-numeric month', 'ownerId=o&year=2030&month=march', 'querystring.month'],
    ])('400 for %s', async (_name, query, field) => {
      const response = await utilization(query);
      expect(response.statusCode).toBe(400);
      expect((response.json() as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
    });
  });

  describe('bad assignment requests: 400 and nothing booked', () => {
    beforeEach(() => start(fleet));

    it.each([
      ['no packages', { ...request(), packageDetails: [] }, 'body.packageDetails'],
      ['an unknown size', { ...request(), packageDetails: [{ id: 'p', size: 'Huge', weight: 1 }] }, 'body.packageDetails.0.size'],
      ['a negative weight', { ...request(), packageDetails: [{ id: 'p', size: 'Small', weight: -1 }] }, 'body.packageDetails.0.weight'],
      ['a pickup time that is not a date', { ...request(), pickupTime: 'soon' }, 'body.pickupTime'],
      ['an empty pickup label', { ...request(), pickup: '' }, 'body.pickup'],
    ])('%s', async (_name, body, field) => {
      const response = await assign('d-1', body);
      expect(response.statusCode).toBe(400);
      expect((response.json() as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
      expect((await store.drones()).flatMap((state) => state.reservations)).toEqual([]);
    });
  });

  describe('a pickup the contract accepts but no plan can hold', () => {
    beforeEach(() => start(fleet));

    it.each([
      ['year 9999', '9999-12-31T23:59:59.000Z'],
      ['a day past the horizon', new Date(now.getTime() + 367 * 86_400_000).toISOString()],
    ])('%s: 422 with its reason, never a 5xx, nothing booked', async (_name, pickupTime) => {
      const response = await assign('d-1', request({ pickupTime }));
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ type: expect.stringContaining('pickup-beyond-horizon') });
      expect((await store.drones()).flatMap((state) => state.reservations)).toEqual([]);
    });
  });

  describe('reading an assignment', () => {
    beforeEach(() => start(fleet));

    it('returns the assignment with its delivery and owner, 404 when there is none', async () => {
      const assigned = (await assign('d-1')).json() as { droneId: string };
      const read = await inject({ method: 'GET', url: '/api/dronedeliveries/d-1' });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ deliveryId: 'd-1', ownerId: 'owner-a', droneId: assigned.droneId });
      expect((await inject({ method: 'GET', url: '/api/dronedeliveries/d-unknown' })).statusCode).toBe(404);
    });
  });

  describe('SIMULATION_SPEED', () => {
    it('divides every planned flight time by the speed', async () => {
      await start(fleet);
      const real = (await assign('d-1', request({ pickupTime: now.toISOString() }))).json() as { pickupEta: string; deliveryEta: string };
      await app?.close();
      await cleanup?.();
      await start(fleet, { SIMULATION_SPEED: 60 });
      const fast = (await assign('d-1', request({ pickupTime: now.toISOString() }))).json() as { pickupEta: string; deliveryEta: string };
      const minutes = (eta: string) => (Date.parse(eta) - now.getTime()) / 60_000;
      // A plan is kept to the second, so the fast one is 60 times coarser: within a minute of real time.
      expect(minutes(real.deliveryEta)).toBeGreaterThan(10);
      expect(Math.abs(minutes(fast.deliveryEta) * 60 - minutes(real.deliveryEta))).toBeLessThanOrEqual(1);
      expect(minutes(fast.pickupEta)).toBeLessThan(minutes(real.pickupEta));
      expect(configSchema.safeParse({ SIMULATION_SPEED: '0' }).success).toBe(false);
      expect(configSchema.safeParse({ SIMULATION_SPEED: '10001' }).success).toBe(false);
    });
  });

  describe('the fleet, faults and repairs', () => {
    beforeEach(() => start(fleet));

    type Fleet = {
      summary: { total: number; idle: number; flying: number; faulted: number; utilization: number };
      drones: { id: string; state: string; flight: { deliveryId: string; ownerId: string; returnAt: string } | null; fault: unknown }[];
    };
    const fleetView = async (query = '') => (await inject({ method: 'GET', url: `/api/drones${query}` })).json() as Fleet;
    const fault = (droneId: string, body: object) => inject({ method: 'POST', url: `/api/drones/${droneId}/faults`, payload: body });
    const here = { latitude: 47.68, longitude: -122.33 };

    it('shows every drone idle, flying (with its flight) or faulted, and the utilization of those in service', async () => {
      expect((await fleetView()).summary).toEqual({ total: 3, idle: 3, flying: 0, faulted: 0, utilization: 0 });
      // A pickup asked for now: the nearest drone (north-slow) leaves at once.
      expect((await assign('d-1', request({ pickupTime: now.toISOString() }))).json()).toMatchObject({ droneId: 'north-slow' });
      const view = await fleetView();
      expect(view.summary).toEqual({ total: 3, idle: 2, flying: 1, faulted: 0, utilization: 1 / 3 });
      const flying = view.drones.find((drone) => drone.id === 'north-slow');
      expect(flying).toMatchObject({ state: 'flying', flight: { deliveryId: 'd-1', ownerId: 'owner-a' }, fault: null });
      expect(Date.parse(flying?.flight?.returnAt ?? '')).toBeGreaterThan(now.getTime());
      expect((await fleetView('?state=flying')).drones.map((drone) => drone.id)).toEqual(['north-slow']);
      expect((await fleetView('?state=idle')).drones.map((drone) => drone.id)).toEqual(['north-light', 'south-fast']);
      expect((await inject({ method: 'GET', url: '/api/drones?state=asleep' })).statusCode).toBe(400);
    });

    it('a fault ends the flight in progress and later bookings, answers the same again, and booking skips the drone until it is repaired', async () => {
      await assign('d-1', request({ pickupTime: now.toISOString() }));
      expect((await assign('d-2', request({ pickupTime: '2030-03-10T13:00:00.000Z' }))).json()).toMatchObject({ droneId: 'north-slow' });
      const report = { at: now.toISOString(), location: here, deliveryId: 'd-1', reason: 'motor failure' };
      const first = await fault('north-slow', report);
      expect(first.statusCode).toBe(200);
      const ended = [
        { deliveryId: 'd-1', ownerId: 'owner-a', packageOnBoard: false },
        { deliveryId: 'd-2', ownerId: 'owner-a', packageOnBoard: false },
      ];
      expect(first.json()).toEqual({ droneId: 'north-slow', state: 'faulted', deliveries: ended });
      // A retry (the gateway's, after a failure downstream) answers the same deliveries.
      expect((await fault('north-slow', report)).json()).toEqual(first.json());

      expect((await inject({ method: 'GET', url: '/api/dronedeliveries/d-1' })).statusCode).toBe(404);
      expect((await utilization('ownerId=owner-a&year=2030&month=3')).statusCode).toBe(404);
      expect((await store.drone('north-slow'))?.reservations).toEqual([]);
      const view = await fleetView();
      expect(view.summary).toEqual({ total: 3, idle: 2, flying: 0, faulted: 1, utilization: 0 });
      expect(view.drones.find((drone) => drone.id === 'north-slow')).toMatchObject({
        state: 'faulted',
        flight: null,
        fault: { at: report.at, location: here, deliveryId: 'd-1', reason: 'motor failure' },
      });

      // The nearest drone is out of service: the next booking goes to the next one.
      expect((await assign('d-3', request({ pickupTime: now.toISOString() }))).json()).toMatchObject({ droneId: 'south-fast' });

      const repaired = await inject({ method: 'POST', url: '/api/drones/north-slow/repairs' });
      expect(repaired.json()).toMatchObject({ id: 'north-slow', state: 'idle', fault: null });
      expect((await inject({ method: 'POST', url: '/api/drones/north-slow/repairs' })).statusCode).toBe(200);
      expect((await assign('d-4', request({ pickupTime: '2030-03-10T13:00:00.000Z' }))).json()).toMatchObject({ droneId: 'north-slow' });
    });

    it('says the package is on board when the fault comes at or after the pickup', async () => {
      const assignment = (await assign('d-1', request({ pickupTime: now.toISOString() }))).json() as { pickupEta: string };
      time = new Date(Date.parse(assignment.pickupEta) + 60_000);
      const outcome = await fault('north-slow', { at: time.toISOString(), location: here });
      expect(outcome.json()).toMatchObject({ deliveries: [{ deliveryId: 'd-1', packageOnBoard: true }] });
      expect((await fleetView()).drones.find((drone) => drone.id === 'north-slow')?.fault).toMatchObject({ reason: 'drone fault' });
    });

    it('answers 404 for a drone not in the fleet, and 400 for a report without its place', async () => {
      expect((await fault('no-such-drone', { at: now.toISOString(), location: here })).statusCode).toBe(404);
      expect((await inject({ method: 'POST', url: '/api/drones/no-such-drone/repairs' })).statusCode).toBe(404);
      expect((await fault('north-slow', { at: now.toISOString() })).statusCode).toBe(400);
    });
  });
});
