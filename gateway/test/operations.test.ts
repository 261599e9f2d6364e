// The fleet, drone faults and the operations views through the gateway, in front of the real
// services (in-process, loopback, in-memory stores).
import type { AddressInfo } from 'node:net';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { type Harness, recordingServer, SECRET, seedDelivery, startHarness, token } from './harness.ts';

let harness: Harness | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const request = (method: 'GET' | 'POST', url: string, bearer: string, payload?: object) =>
  (harness as Harness).gateway.inject({ method, url, headers: { authorization: `Bearer ${bearer}` }, ...(payload ? { payload } : {}) });

const here = { latitude: 47.61, longitude: -122.33 };

describe('roles', () => {
  it('a customer gets 403 on the fleet, faults, repairs, the overview and the dead letters; a drone only reads and reports', async () => {
    harness = await startHarness();
    const customer = await token({ owner_id: 'owner-a' });
    const drone = await token({ roles: ['drone'], sub: 'drone-1-downtown' });
    const fault = { at: new Date().toISOString(), location: here };
    for (const [method, url, body] of [
      ['GET', '/api/drones', undefined],
      ['GET', '/api/drones/updates', undefined],
      ['POST', '/api/drones/drone-1-downtown/faults', fault],
      ['POST', '/api/drones/drone-1-downtown/repairs', undefined],
      ['GET', '/api/operations/overview', undefined],
      ['GET', '/api/operations/deadletters', undefined],
      ['POST', '/api/operations/deadletters/redrive', {}],
    ] as const) {
      expect((await request(method, url, customer, body)).statusCode, `${method} ${url}`).toBe(403);
    }
    for (const url of ['/api/operations/overview', '/api/operations/deadletters', '/api/drones/updates']) {
      expect((await request('GET', url, drone)).statusCode, url).toBe(403);
    }
    expect((await request('POST', '/api/drones/drone-1-downtown/repairs', drone)).statusCode).toBe(403);
    expect((await request('GET', '/api/drones', drone)).statusCode).toBe(200);
    expect((await harness.gateway.inject({ method: 'GET', url: '/api/drones' })).statusCode).toBe(401);
  });
});

describe('the fleet and drone faults', () => {
  it('shows the fleet to operators, with a state filter and 400 for a bad one', async () => {
    harness = await startHarness();
    const operator = await token({ roles: ['operator'] });
    const fleet = (await request('GET', '/api/drones', operator)).json() as { summary: { total: number; idle: number }; drones: unknown[] };
    expect(fleet.summary).toMatchObject({ total: 12, idle: 12, faulted: 0 });
    expect(fleet.drones).toHaveLength(12);
    expect((await request('GET', '/api/drones?state=flying', operator)).json()).toMatchObject({ drones: [] });
    expect((await request('GET', '/api/drones?state=broken', operator)).statusCode).toBe(400);
  });

  it("a drone's fault ends its deliveries Rejected (drone-fault) for their owners; a retry answers the same; an operator repairs it", async () => {
    harness = await startHarness();
    await seedDelivery(harness, 'd-1', 'owner-a');
    const droneId = (
      (await harness.services.dronescheduler.inject({ method: 'GET', url: '/api/dronedeliveries/d-1' })).json() as { droneId: string }
    ).droneId;
    const drone = await token({ roles: ['drone'], sub: droneId });
    const operator = await token({ roles: ['operator'] });
    const owner = await token({ owner_id: 'owner-a' });
    const at = new Date().toISOString();

    const reported = await request('POST', `/api/drones/${droneId}/faults`, drone, { at, location: here, reason: 'rotor' });
    expect(reported.statusCode).toBe(200);
    // The booking is tomorrow: the package was not collected.
    expect(reported.json()).toEqual({
      droneId,
      state: 'faulted',
      deliveries: [{ deliveryId: 'd-1', ownerId: 'owner-a', packageOnBoard: false }],
    });
    const retried = await request('POST', `/api/drones/${droneId}/faults`, drone, { at, location: here, reason: 'rotor' });
    expect(retried.json()).toEqual(reported.json());

    const delivery = (await request('GET', '/api/deliveries/d-1', owner)).json() as { stage: string; reason: string; message: string };
    expect(delivery).toMatchObject({ stage: 'Rejected', reason: 'drone-fault' });
    expect(delivery.message).toMatch(
      new RegExp(`^${droneId} failed at \\d\\d:\\d\\d:\\d\\d UTC before the pickup; the package was not collected`),
    );
    const events = (await request('GET', '/api/deliveries/d-1/events', owner)).json() as { stage: string; location?: unknown }[];
    expect(events.at(-1)).toMatchObject({ stage: 'Rejected', location: here });

    const fleet = (await request('GET', '/api/drones?state=faulted', operator)).json() as { drones: { id: string; fault: unknown }[] };
    expect(fleet.drones.map((d) => d.id)).toEqual([droneId]);
    expect(fleet.drones[0]?.fault).toMatchObject({ at, location: here, reason: 'rotor' });

    expect((await request('POST', '/api/drones/no-such-drone/faults', drone, { at, location: here })).statusCode).toBe(404);
    expect((await request('POST', `/api/drones/${droneId}/faults`, drone, { at: 'yesterday', location: here })).statusCode).toBe(400);
    const repaired = await request('POST', `/api/drones/${droneId}/repairs`, operator);
    expect(repaired.json()).toMatchObject({ id: droneId, state: 'idle', fault: null });
    expect((await request('POST', '/api/drones/no-such-drone/repairs', operator)).statusCode).toBe(404);
  });

  it('a fault whose deliveries cannot be marked failed yet is a 503; the retry finishes the job', async () => {
    const down = await recordingServer();
    cleanups.push(down.close);
    // The gateway's delivery service is down; the delivery is seeded in the real one.
    harness = await startHarness({}, { delivery: down.url });
    await seedDelivery(harness, 'd-1', 'owner-a');
    const scheduler = harness.services.dronescheduler;
    const droneId = ((await scheduler.inject({ method: 'GET', url: '/api/dronedeliveries/d-1' })).json() as { droneId: string }).droneId;
    const operator = await token({ roles: ['operator'] });
    const body = { at: new Date().toISOString(), location: here };
    const failed = await request('POST', `/api/drones/${droneId}/faults`, operator, body);
    expect(failed.statusCode).toBe(503);
    expect(failed.json().detail).toContain('d-1');

    // The client retries through a gateway whose delivery service answers: the fault (already
    // recorded, the booking gone) still names d-1, and d-1 ends Rejected.
    const delivery = `http://127.0.0.1:${(harness.services.delivery.server.address() as AddressInfo).port}`;
    const gateway = await startForInject(
      await buildApp({
        config: {
          ...configSchema.parse({ JWT_SECRET: SECRET }),
          ...testConfig(),
          INGESTION_URL: harness.urls.ingestion,
          DELIVERY_URL: delivery,
          PACKAGE_URL: harness.urls.package,
          DRONESCHEDULER_URL: harness.urls.dronescheduler,
          WORKFLOW_URL: harness.urls.workflow,
        },
        log: capturingLogger('gateway').log,
      }),
    );
    cleanups.push(() => gateway.close());
    const retried = await gateway.inject({
      method: 'POST',
      url: `/api/drones/${droneId}/faults`,
      headers: { authorization: `Bearer ${operator}` },
      payload: body,
    });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ deliveries: [{ deliveryId: 'd-1', packageOnBoard: false }] });
    expect((await harness.services.delivery.inject({ method: 'GET', url: '/api/deliveries/d-1' })).json()).toMatchObject({
      stage: 'Rejected',
      reason: 'drone-fault',
    });
  });
});

describe('operations', () => {
  it("shows every service's readiness, the queue and the fleet summary", async () => {
    harness = await startHarness();
    const operator = await token({ roles: ['operator'] });
    const overview = (await request('GET', '/api/operations/overview', operator)).json() as {
      services: { name: string; ready: boolean; status: number }[];
      queue: unknown;
      fleet: unknown;
      warnings: string[];
    };
    expect(overview.services.map((s) => [s.name, s.ready, s.status])).toEqual([
      ['gateway', true, 200],
      ['ingestion', true, 200],
      ['delivery', true, 200],
      ['package', true, 200],
      ['dronescheduler', true, 200],
      ['workflow', true, 200],
    ]);
    expect(overview.queue).toEqual({ waiting: 0, active: 0, delayed: 0, deadLettered: 0 });
    expect(overview.fleet).toMatchObject({ total: 12, idle: 12, flying: 0, faulted: 0, utilization: 0 });
    expect(overview.warnings).toEqual([]);
  });

  it('a part that fails is null with a warning; a service that is down is not ready', async () => {
    const down = await recordingServer();
    cleanups.push(down.close);
    harness = await startHarness({}, { workflow: down.url });
    const operator = await token({ roles: ['operator'] });
    const overview = (await request('GET', '/api/operations/overview', operator)).json() as {
      services: { name: string; ready: boolean; status: number | null }[];
      queue: unknown;
      fleet: unknown;
      warnings: string[];
    };
    expect(overview.services.find((s) => s.name === 'workflow')).toMatchObject({ ready: false, status: 503 });
    expect(overview.queue).toBeNull();
    expect(overview.fleet).toMatchObject({ total: 12 });
    expect(overview.warnings).toEqual(['workflow is not ready', expect.stringMatching(/^queue: /)]);
  });

  it("lists the workflow's dead letters and re-drives them", async () => {
    harness = await startHarness();
    const operator = await token({ roles: ['operator'] });
    expect((await request('GET', '/api/operations/deadletters?limit=5', operator)).json()).toEqual({ count: 0, deadLetters: [] });
    expect((await request('POST', '/api/operations/deadletters/redrive', operator, {})).json()).toEqual({ redriven: 0 });
    expect((await request('GET', '/api/operations/deadletters?limit=0', operator)).statusCode).toBe(400);
  });
});
