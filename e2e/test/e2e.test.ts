// The whole system, driven only through the gateway as a client would: embedded with
// everything in memory, and again with real Redis and MongoDB whenever REDIS_URL and
// MONGODB_URL are set (CI sets them).
import { randomUUID } from 'node:crypto';
import type { RunningSystem } from '@dronedelivery/embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, modes, ORIGINAL_SAMPLE, startTestSystem } from './system-fixture.ts';

for (const { name, env, available } of modes)
  describe.runIf(available)(`the system, ${name}`, () => {
    let system: RunningSystem;
    let gateway: string;
    const owner = `owner-${randomUUID().slice(0, 8)}`;
    let customer: string;
    let stranger: string;
    let drone: string;

    beforeAll(async () => {
      system = await startTestSystem(env);
      gateway = system.urls.gateway;
      customer = await system.token(['customer'], owner);
      stranger = await system.token(['customer'], 'someone-else');
      drone = await system.token(['drone']);
    }, 60_000);

    afterAll(() => system?.stop());

    const call = (...args: Parameters<ReturnType<typeof client>['call']>) => client(gateway).call(...args);
    const json = async <T>(response: Response) => (await response.json()) as T;

    async function request(body: object, headers: Record<string, string> = {}): Promise<{ deliveryId: string }> {
      const response = await call('POST', '/api/deliveryrequests', customer, body, headers);
      expect(response.status).toBe(202);
      const accepted = await json<{ deliveryId: string }>(response);
      expect(response.headers.get('location')).toBe(`/api/deliveries/${accepted.deliveryId}`);
      return accepted;
    }

    /** The delivery once a drone is assigned (it is visible, as Requested, from the 202 on). */
    async function scheduled(deliveryId: string): Promise<{ droneId: string; stage: string; pickupTime: string }> {
      await expect
        .poll(async () => (await json<{ droneId: string | null }>(await call('GET', `/api/deliveries/${deliveryId}`, customer))).droneId, {
          timeout: 20_000,
          interval: 100,
        })
        .not.toBeNull();
      return json(await call('GET', `/api/deliveries/${deliveryId}`, customer));
    }

    it('accepts the original sample and follows it to an assigned drone, with status and details', async () => {
      const { deliveryId } = await request({ ...ORIGINAL_SAMPLE, ownerId: owner });
      const delivery = await scheduled(deliveryId);
      expect(delivery.droneId).toMatch(/^drone-/);
      const status = await json<{ stage: string; lastKnownLocation: { latitude: number } }>(
        await call('GET', `/api/deliveries/${deliveryId}/status`, customer),
      );
      expect(['Created', 'HeadedToPickup', 'HeadedToDropoff']).toContain(status.stage);
      expect(status.lastKnownLocation.latitude).toBeGreaterThan(47);
      const details = await json<{ package: { id: string }; drone: { droneId: string }; warnings: string[] }>(
        await call('GET', `/api/deliveries/${deliveryId}/details`, customer),
      );
      expect(details).toMatchObject({ package: { id: 'mypackage' }, drone: { droneId: delivery.droneId }, warnings: [] });
    });

    it('accepts a coordinate-based request, reschedules it, and cancels it', async () => {
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
      const { deliveryId } = await request({
        ownerId: owner,
        pickupLocation: { latitude: 47.62, longitude: -122.35 },
        dropOffLocation: { latitude: 47.65, longitude: -122.3 },
        pickupTime: tomorrow,
        packageInfo: { packageId: `pkg-${randomUUID().slice(0, 6)}`, size: 'Medium', weight: 4 },
      });
      await scheduled(deliveryId);
      const later = new Date(Date.parse(tomorrow) + 2 * 3600_000).toISOString();
      expect((await call('PATCH', `/api/deliveryrequests/${deliveryId}`, customer, { pickupTime: later })).status).toBe(202);
      await expect
        .poll(async () => (await json<{ stage: string }>(await call('GET', `/api/deliveries/${deliveryId}`, customer))).stage, {
          timeout: 20_000,
        })
        .toBe('Rescheduled');
      expect((await json<{ pickupTime: string }>(await call('GET', `/api/deliveries/${deliveryId}`, customer))).pickupTime).toBe(later);
      expect((await call('DELETE', `/api/deliveryrequests/${deliveryId}`, customer)).status).toBe(202);
      await expect
        .poll(async () => (await json<{ stage: string }>(await call('GET', `/api/deliveries/${deliveryId}`, customer))).stage, {
          timeout: 20_000,
        })
        .toBe('Cancelled');
    });

    it('takes notify-me requests and a drone confirmation that completes the delivery', async () => {
      const { deliveryId } = await request({
        ...ORIGINAL_SAMPLE,
        ownerId: owner,
        packageInfo: { ...ORIGINAL_SAMPLE.packageInfo, packageId: `pkg-${randomUUID().slice(0, 6)}` },
      });
      await scheduled(deliveryId);
      expect(
        (await call('POST', `/api/deliveries/${deliveryId}/notifymerequests`, customer, { emailAddress: 'ann@example.com' })).status,
      ).toBe(204);
      const confirmation = {
        confirmedAt: new Date().toISOString(),
        geoCoordinates: { latitude: 47.6, longitude: -122.3 },
        confirmationType: 'Picture',
        confirmationBlob: 'blob://proofs/1.jpg',
      };
      expect((await call('POST', `/api/deliveries/${deliveryId}/confirmations`, customer, confirmation)).status).toBe(403);
      // The drone confirms once it is under way (its departure is the moment it was planned, to the second).
      await expect
        .poll(async () => (await json<{ stage: string }>(await call('GET', `/api/deliveries/${deliveryId}/status`, customer))).stage, {
          timeout: 5_000,
        })
        .not.toBe('Created');
      const done = await call('POST', `/api/deliveries/${deliveryId}/confirmations`, drone, confirmation);
      expect(done.status).toBe(200);
      expect((await json<{ stage: string }>(done)).stage).toBe('Completed');
    });

    it('keeps summaries and the invoice consistent after a batch of deliveries', async () => {
      const batchOwner = `batch-${randomUUID().slice(0, 8)}`;
      const batchToken = await system.token(['customer'], batchOwner);
      const weights = [1, 2.5, 3, 4.25, 5];
      const ids: string[] = [];
      for (const [i, weight] of weights.entries()) {
        const response = await call('POST', '/api/deliveryrequests', batchToken, {
          ...ORIGINAL_SAMPLE,
          ownerId: batchOwner,
          packageInfo: { packageId: `${batchOwner}-p${i}`, size: 'Small', weight },
        });
        expect(response.status).toBe(202);
        ids.push((await json<{ deliveryId: string }>(response)).deliveryId);
      }
      for (const id of ids)
        await expect
          .poll(async () => (await json<{ droneId: string | null }>(await call('GET', `/api/deliveries/${id}`, batchToken))).droneId, {
            timeout: 20_000,
          })
          .not.toBeNull();
      const now = new Date();
      const [year, month] = [now.getUTCFullYear(), now.getUTCMonth() + 1];
      const invoice = await json<{
        deliveries: { count: number };
        packages: { count: number; totalWeight: number };
        utilization: { traveledMiles: number; assignedHours: number };
        warnings: string[];
      }>(await call('GET', `/api/owners/${batchOwner}/invoice?year=${year}&month=${month}`, batchToken));
      expect(invoice.warnings).toEqual([]);
      expect(invoice.deliveries.count).toBe(5);
      expect(invoice.packages).toEqual({ count: 5, totalWeight: 15.75 });
      expect(invoice.utilization.traveledMiles).toBeGreaterThan(0);
      expect(invoice.utilization.assignedHours).toBeGreaterThan(0);
      const summary = await json<{ count: number }>(
        await call('GET', `/api/deliveries/summary?ownerId=${batchOwner}&year=${year}&month=${month}`, batchToken),
      );
      expect(summary.count).toBe(invoice.deliveries.count);
    });

    it('honours an Idempotency-Key: the same answer again, one delivery', async () => {
      const key = `order-${randomUUID()}`;
      const body = {
        ...ORIGINAL_SAMPLE,
        ownerId: owner,
        packageInfo: { ...ORIGINAL_SAMPLE.packageInfo, packageId: `pkg-${randomUUID().slice(0, 6)}` },
      };
      const first = await request(body, { 'idempotency-key': key });
      const again = await call('POST', '/api/deliveryrequests', customer, body, { 'idempotency-key': key });
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect((await json<{ deliveryId: string }>(again)).deliveryId).toBe(first.deliveryId);
    });

    it("hides another owner's delivery (404), refuses bad input (400) and a missing token (401)", async () => {
      const { deliveryId } = await request({
        ...ORIGINAL_SAMPLE,
        ownerId: owner,
        packageInfo: { ...ORIGINAL_SAMPLE.packageInfo, packageId: `pkg-${randomUUID().slice(0, 6)}` },
      });
      await scheduled(deliveryId);
      expect((await call('GET', `/api/deliveries/${deliveryId}`, stranger)).status).toBe(404);
      expect((await call('GET', `/api/deliveries/${deliveryId}/details`, stranger)).status).toBe(404);
      const bad = await call('POST', '/api/deliveryrequests', customer, {
        ...ORIGINAL_SAMPLE,
        ownerId: owner,
        packageInfo: { packageId: 'p', size: 'Huge', weight: -1 },
      });
      expect(bad.status).toBe(400);
      expect((await json<{ errors: { path: string }[] }>(bad)).errors.map((e) => e.path)).toEqual(
        expect.arrayContaining(['body.packageInfo.size', 'body.packageInfo.weight']),
      );
      expect((await call('POST', '/api/deliveryrequests', undefined, ORIGINAL_SAMPLE)).status).toBe(401);
    });
  });
