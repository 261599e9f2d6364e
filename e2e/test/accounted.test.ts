// Accepted means accounted for, through the gateway only: a delivery is its owner's from the
// 202 on (another customer cannot touch it, even in its first moments), it never answers 404
// to its owner, every request ends in an outcome the owner can read, a request the edge
// should refuse is refused, and one bad request does not stall anybody else's.
import { randomUUID } from 'node:crypto';
import type { RunningSystem } from '@dronedelivery/embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, modes, ORIGINAL_SAMPLE, startTestSystem } from './system-fixture.ts';

/** Tomorrow at noon UTC plus `hours`: pickups hours apart never compete for a drone. */
const inHours = (hours: number) => {
  const date = new Date(Date.now() + 86_400_000);
  date.setUTCHours(12, 0, 0, 0);
  return new Date(date.getTime() + hours * 3_600_000).toISOString();
};

interface DeliveryView {
  id: string;
  stage: string;
  droneId: string | null;
  reason?: string;
  dropoff: { label?: string };
}

for (const { name, env, available } of modes)
  describe.runIf(available)(`accepted means accounted for, ${name}`, () => {
    let system: RunningSystem;
    let call: ReturnType<typeof client>['call'];
    let json: ReturnType<typeof client>['json'];
    const ownerA = `a-${randomUUID().slice(0, 8)}`;
    const ownerB = `b-${randomUUID().slice(0, 8)}`;
    let tokenA: string;
    let tokenB: string;
    let operator: string;
    let requestCount = 0;

    beforeAll(async () => {
      system = await startTestSystem({ ...env, RATE_LIMIT_MAX: '100000' });
      ({ call, json } = client(system.urls.gateway));
      tokenA = await system.token(['customer'], ownerA);
      tokenB = await system.token(['customer'], ownerB);
      operator = await system.token(['operator']);
    }, 60_000);

    afterAll(() => system?.stop());

    /** A request of `owner`'s with a package of its own and a pickup hours away from the others. */
    const body = (owner: string, overrides: Record<string, unknown> = {}) => {
      requestCount += 1;
      return {
        ...ORIGINAL_SAMPLE,
        ownerId: owner,
        pickupTime: inHours(requestCount),
        packageInfo: { packageId: `${owner}-${requestCount}`, size: 'Small', weight: 2 },
        ...overrides,
      };
    };
    const post = async (token: string, payload: object) => {
      const response = await call('POST', '/api/deliveryrequests', token, payload);
      expect(response.status, await response.clone().text()).toBe(202);
      return (await json<{ deliveryId: string }>(response)).deliveryId;
    };
    const view = async (token: string, id: string) => json<DeliveryView>(await call('GET', `/api/deliveries/${id}`, token));
    const timeline = async (token: string, id: string) =>
      (await json<{ stage: string; reason?: string }[]>(await call('GET', `/api/deliveries/${id}/events`, token))).map(
        (event) => `${event.stage}${event.reason ? `:${event.reason}` : ''}`,
      );

    it("another customer's reschedule and cancel sent right after each of 200 requests change nothing", { timeout: 240_000 }, async () => {
      const ids: string[] = [];
      const intruders: number[] = [];
      // Ten at a time, each intrusion sent the moment the 202 arrives.
      for (let batch = 0; batch < 20; batch += 1) {
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            const id = await post(tokenA, body(ownerA, { dropOffLocation: 'the original drop-off' }));
            ids.push(id);
            const [patch, cancel] = await Promise.all([
              call('PATCH', `/api/deliveryrequests/${id}`, tokenB, { dropOffLocation: "B's text" }),
              call('DELETE', `/api/deliveryrequests/${id}`, tokenB),
            ]);
            intruders.push(patch.status, cancel.status);
          }),
        );
      }
      expect(new Set(intruders)).toEqual(new Set([404]));
      for (const id of ids) {
        await expect.poll(async () => (await view(tokenA, id)).stage, { timeout: 60_000 }).toBe('Created');
        const delivery = await view(tokenA, id);
        expect(delivery.dropoff.label).toBe('the original drop-off');
        expect(await timeline(tokenA, id)).toEqual(['Requested', 'Created']);
      }
    });

    it('answers its owner from the 202 on, never 404: Requested until scheduled', async () => {
      for (let i = 0; i < 20; i += 1) {
        const id = await post(tokenA, body(ownerA));
        const [delivery, status, events, details] = await Promise.all(
          ['', '/status', '/events', '/details'].map((suffix) => call('GET', `/api/deliveries/${id}${suffix}`, tokenA)),
        );
        for (const response of [delivery, status, events, details]) expect(response?.status, response?.url).toBe(200);
        expect(['Requested', 'Created']).toContain((await json<DeliveryView>(delivery as Response)).stage);
        // ...and to nobody else.
        expect((await call('GET', `/api/deliveries/${id}`, tokenB)).status).toBe(404);
      }
    });

    it('a notify-me request sent right after the 202 is taken (204), and the delivery is then scheduled as usual', async () => {
      for (let i = 0; i < 10; i += 1) {
        const id = await post(tokenA, body(ownerA));
        const notify = await call('POST', `/api/deliveries/${id}/notifymerequests`, tokenA, { emailAddress: 'owner-a@example.com' });
        expect(notify.status, await notify.text()).toBe(204);
        await expect.poll(async () => (await view(tokenA, id)).stage, { timeout: 20_000 }).toBe('Created');
      }
    });

    it('a package id another owner holds: 202, then Rejected with the reason and an event, never 404', async () => {
      const shared = `shared-${randomUUID().slice(0, 8)}`;
      const first = await post(tokenA, body(ownerA, { packageInfo: { packageId: shared, size: 'Small', weight: 1 } }));
      await expect.poll(async () => (await view(tokenA, first)).stage, { timeout: 20_000 }).toBe('Created');
      const second = await post(tokenB, body(ownerB, { packageInfo: { packageId: shared, size: 'Small', weight: 1 } }));
      await expect.poll(async () => (await view(tokenB, second)).stage, { timeout: 20_000 }).toBe('Rejected');
      expect(await view(tokenB, second)).toMatchObject({ reason: 'package-owned-by-another-owner', droneId: null });
      expect(await timeline(tokenB, second)).toEqual(['Requested', 'Rejected:package-owned-by-another-owner']);
      const status = await json<{ stage: string; reason: string }>(await call('GET', `/api/deliveries/${second}/status`, tokenB));
      expect(status).toMatchObject({ stage: 'Rejected', reason: 'package-owned-by-another-owner' });
    });

    it('a package id of 128 characters goes all the way: accepted, scheduled, readable', async () => {
      const longId = `p${'x'.repeat(127)}`;
      const id = await post(tokenA, body(ownerA, { packageInfo: { packageId: longId, size: 'Small', weight: 1 } }));
      await expect.poll(async () => (await view(tokenA, id)).stage, { timeout: 20_000 }).toBe('Created');
      expect((await call('GET', `/api/packages/${longId}`, tokenA)).status).toBe(200);
      expect((await call('GET', `/api/deliveries/${id}/details`, tokenA)).status).toBe(200);
    });

    it('a reschedule that comes too late gets 202 and then a RescheduleRefused event with the reason', async () => {
      // A pickup in the past means "as soon as possible": the drone leaves at once.
      const id = await post(tokenA, body(ownerA, { pickupTime: ORIGINAL_SAMPLE.pickupTime }));
      await expect.poll(async () => (await view(tokenA, id)).stage, { timeout: 20_000 }).toBe('HeadedToPickup');
      expect((await call('PATCH', `/api/deliveryrequests/${id}`, tokenA, { dropOffLocation: 'somewhere else' })).status).toBe(202);
      await expect.poll(() => timeline(tokenA, id), { timeout: 20_000 }).toContain('RescheduleRefused:drone-departed');
    });

    it('refuses what the contract bounds, with problem+json, and queues nothing: year 9999, a deadline before the pickup, broken text', async () => {
      const cases: [string, string | object][] = [
        ['year 9999', body(ownerA, { pickupTime: '9999-12-31T23:59:59Z' })],
        ['past the horizon', body(ownerA, { pickupTime: new Date(Date.now() + 400 * 86_400_000).toISOString() })],
        ['deadline before pickup', body(ownerA, { pickupTime: inHours(2), deadline: inHours(1) })],
        ['control character', body(ownerA, { dropOffLocation: 'line\nbreak' })],
        ['lone surrogate', JSON.stringify(body(ownerA)).replace('"drop off"', '"drop \\udc00 off"')],
      ];
      for (const [name, payload] of cases) {
        const response = await call('POST', '/api/deliveryrequests', tokenA, payload);
        expect(response.status, name).toBe(400);
        expect(response.headers.get('content-type'), name).toContain('application/problem+json');
      }
      const invalidUtf8 = await fetch(`${system.urls.gateway}/api/deliveryrequests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
        body: Buffer.concat([Buffer.from(JSON.stringify(body(ownerA)).slice(0, -1)), Buffer.from(',"x":"\xff\xfe"}', 'latin1')]),
      });
      expect(invalidUtf8.status).toBe(400);
      expect((await call('PATCH', `/api/deliveryrequests/${randomUUID()}`, tokenA, { dropOffLocation: 'x' })).status).toBe(404);
    });

    it('one poison request does not stall the others: 200 ordinary requests from other owners are all scheduled, nothing dead-lettered', {
      timeout: 180_000,
    }, async () => {
      expect((await call('POST', '/api/deliveryrequests', tokenA, body(ownerA, { pickupTime: '9999-12-31T23:59:59Z' }))).status).toBe(400);
      const bystanders = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => ({
          owner: `bystander-${i}`,
          token: await system.token(['customer'], `bystander-${i}`),
        })),
      );
      const ids: [string, string][] = [];
      for (let batch = 0; batch < 20; batch += 1) {
        await Promise.all(
          bystanders.slice(0, 10).map(async (_, i) => {
            const { owner, token } = bystanders[(batch + i) % bystanders.length] as { owner: string; token: string };
            ids.push([token, await post(token, body(owner))]);
          }),
        );
      }
      for (const [token, id] of ids) await expect.poll(async () => (await view(token, id)).stage, { timeout: 60_000 }).toBe('Created');
      const workflow = await fetch(`${system.urls.workflow}/metrics`).then((response) => response.text());
      expect(workflow).toMatch(/workflow_queue_messages\{state="dead-lettered"[^}]*\} 0\n/);
    });

    it("lists my deliveries newest first, a page at a time; never anyone else's; an operator may pick the owner", async () => {
      const owner = `list-${randomUUID().slice(0, 8)}`;
      const token = await system.token(['customer'], owner);
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push(await post(token, body(owner)));
      for (const id of ids) await expect.poll(async () => (await view(token, id)).stage, { timeout: 20_000 }).toBe('Created');
      const first = await json<{ items: DeliveryView[]; nextCursor?: string }>(await call('GET', '/api/deliveries?limit=3', token));
      expect(first.items.map((item) => item.id)).toEqual(ids.toReversed().slice(0, 3));
      const rest = await json<{ items: DeliveryView[]; nextCursor?: string }>(
        await call('GET', `/api/deliveries?limit=3&cursor=${first.nextCursor}`, token),
      );
      expect(rest.items.map((item) => item.id)).toEqual(ids.toReversed().slice(3));
      expect(rest.nextCursor).toBeUndefined();
      expect((await call('GET', `/api/deliveries?ownerId=${ownerA}`, token)).status).toBe(403);
      const asOperator = await json<{ items: DeliveryView[] }>(await call('GET', `/api/deliveries?ownerId=${owner}&limit=100`, operator));
      expect(asOperator.items).toHaveLength(5);
      const created = await json<{ items: DeliveryView[] }>(await call('GET', '/api/deliveries?stage=Rejected', token));
      expect(created.items).toEqual([]);
    });
  });
