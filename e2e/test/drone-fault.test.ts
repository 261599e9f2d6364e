// A drone fault, end to end through the gateway: the system embedded with its planned world
// sped up (SIMULATION_SPEED), a delivery flown, its drone failing mid-flight, the delivery
// ending Rejected for its owner, the fleet showing the drone out of service, then repaired.
import { randomUUID } from 'node:crypto';
import type { RunningSystem } from '@dronedelivery/embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestSystem } from './system-fixture.ts';

describe('a drone fault, embedded with SIMULATION_SPEED=60', () => {
  let system: RunningSystem;
  let call: ReturnType<typeof client>['call'];
  const owner = `owner-${randomUUID().slice(0, 8)}`;
  let customer: string;
  let operator: string;
  let drone: string;

  beforeAll(async () => {
    system = await startTestSystem({ SIMULATION_SPEED: '60' });
    call = client(system.urls.gateway).call;
    customer = await system.token(['customer'], owner);
    operator = await system.token(['operator']);
    drone = await system.token(['drone']);
  }, 60_000);

  afterAll(() => system?.stop());

  const json = async <T>(response: Response) => (await response.json()) as T;

  it('ends the delivery Rejected (drone-fault), shows the drone faulted, and returns it to service', async () => {
    const requested = await call('POST', '/api/deliveryrequests', customer, {
      ownerId: owner,
      pickupLocation: { latitude: 47.62, longitude: -122.35 },
      dropOffLocation: { latitude: 47.68, longitude: -122.3 },
      pickupTime: new Date().toISOString(),
      packageInfo: { packageId: `pkg-${randomUUID().slice(0, 6)}`, size: 'Small', weight: 1 },
    });
    expect(requested.status).toBe(202);
    const { deliveryId } = await json<{ deliveryId: string }>(requested);
    await expect
      .poll(async () => (await json<{ droneId: string | null }>(await call('GET', `/api/deliveries/${deliveryId}`, customer))).droneId, {
        timeout: 20_000,
        interval: 100,
      })
      .not.toBeNull();
    const { droneId } = await json<{ droneId: string }>(await call('GET', `/api/deliveries/${deliveryId}`, customer));
    const { pickupEta, deliveryEta } = await json<{ pickupEta: string; deliveryEta: string }>(
      await call('GET', `/api/deliveries/${deliveryId}/status`, customer),
    );
    // Sixty times faster: a flight of several minutes is planned to take seconds.
    expect(Date.parse(deliveryEta) - Date.now()).toBeLessThan(30_000);

    // The drone fails before it is back at base (its booking still runs).
    const at = new Date().toISOString();
    const location = { latitude: 47.63, longitude: -122.34 };
    const reported = await call('POST', `/api/drones/${droneId}/faults`, drone, { at, location, deliveryId, reason: 'battery' });
    expect(reported.status).toBe(200);
    const outcome = await json<{ state: string; deliveries: { deliveryId: string; ownerId: string; packageOnBoard: boolean }[] }>(reported);
    expect(outcome).toEqual({
      droneId,
      state: 'faulted',
      deliveries: [{ deliveryId, ownerId: owner, packageOnBoard: Date.parse(at) >= Date.parse(pickupEta) }],
    });

    const delivery = await json<{ stage: string; reason: string; message: string }>(
      await call('GET', `/api/deliveries/${deliveryId}`, customer),
    );
    expect(delivery).toMatchObject({ stage: 'Rejected', reason: 'drone-fault' });
    expect(delivery.message).toContain(`${droneId} failed at`);
    const events = await json<{ stage: string; location?: unknown }[]>(await call('GET', `/api/deliveries/${deliveryId}/events`, customer));
    expect(events.at(-1)).toMatchObject({ stage: 'Rejected', location });

    const fleet = await json<{ summary: { faulted: number }; drones: { id: string; state: string; fault: { reason: string } | null }[] }>(
      await call('GET', '/api/drones', operator),
    );
    expect(fleet.summary.faulted).toBe(1);
    expect(fleet.drones.find((entry) => entry.id === droneId)).toMatchObject({ state: 'faulted', fault: { reason: 'battery' } });
    expect((await call('GET', '/api/drones', customer)).status).toBe(403);

    const repaired = await call('POST', `/api/drones/${droneId}/repairs`, operator);
    expect(repaired.status).toBe(200);
    expect(await json(repaired)).toMatchObject({ id: droneId, fault: null });
    const after = await json<{ summary: { faulted: number } }>(await call('GET', '/api/drones?state=faulted', operator));
    expect(after.summary.faulted).toBe(0);
  });
});
