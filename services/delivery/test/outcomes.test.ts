// A delivery's life before and beside its schedule, over HTTP: `Requested` while it waits for
// a drone, `Rejected` with a reason, refusals on the timeline, the owner's list, and the
// caller the gateway forwards checked again. In memory always, on Redis when REDIS_URL is set.
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import type { DeliveryStore } from '../src/store/store.ts';
import { deliveryBody, times } from './fixtures.ts';
import { storeAdapters } from './redis-fixture.ts';

const config = { ...configSchema.parse({}), ...testConfig() };

const adapters = storeAdapters;

const { assignment, ...details } = deliveryBody();
const requestedAt = '2026-11-20T08:59:00.000Z';
const waiting = {
  ...details,
  requestedAt,
  reason: 'waiting-for-drone',
  message: 'Every drone that can carry it is booked.',
  droneExpectedAt: '2026-11-20T09:30:00.000Z',
};
const rejection = { ...details, requestedAt, reason: 'no-capable-drone', message: 'No drone in the fleet carries it.' };
const customer = (ownerId: string) => ({
  'x-caller-subject': `dev-${ownerId}`,
  'x-caller-roles': 'customer',
  'x-caller-owner-id': ownerId,
});
const operator = { 'x-caller-subject': 'ops', 'x-caller-roles': 'operator' };

describe.each(adapters)('a delivery before and beside its schedule, on $name', ({ open }) => {
  let app: ServiceInstance;
  let store: DeliveryStore;
  let cleanup: () => Promise<void>;
  let now = times.scheduled;

  beforeEach(async () => {
    now = times.scheduled;
    const fixture = await open();
    store = fixture.store;
    cleanup = fixture.cleanup;
    app = await buildApp({ config, log: capturingLogger('delivery').log, store, clock: () => now });
    await startForInject(app);
  });

  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const send = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const events = async (id: string) =>
    (await send('GET', `/api/deliveries/${id}/events`)).json() as { stage: string; reason?: string; at: string }[];

  it('waits as Requested with its reason, then becomes Created with the whole timeline', async () => {
    const first = await send('PUT', '/api/deliveries/d-1/waiting', waiting);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      id: 'd-1',
      stage: 'Requested',
      droneId: null,
      reason: 'waiting-for-drone',
      droneExpectedAt: waiting.droneExpectedAt,
      createdAt: requestedAt,
    });
    expect((await send('GET', '/api/deliveries/d-1/status')).json()).toEqual({
      stage: 'Requested',
      lastKnownLocation: null,
      pickupEta: null,
      deliveryEta: null,
      reason: 'waiting-for-drone',
      message: waiting.message,
    });
    // The workflow retries while it waits: no new event unless the reason changes.
    expect((await send('PUT', '/api/deliveries/d-1/waiting', { ...waiting, droneExpectedAt: '2026-11-20T09:40:00.000Z' })).statusCode).toBe(
      200,
    );
    expect((await events('d-1')).map((event) => event.stage)).toEqual(['Requested']);

    const scheduled = await send('PUT', '/api/deliveries/d-1', { ...deliveryBody(), requestedAt });
    expect(scheduled.statusCode).toBe(201);
    expect(scheduled.json()).toMatchObject({ stage: 'Created', droneId: 'drone-7', createdAt: requestedAt });
    expect(scheduled.json()).not.toHaveProperty('reason');
    expect((await events('d-1')).map((event) => event.stage)).toEqual(['Requested', 'Created']);
    expect((await send('PUT', '/api/deliveries/d-1/waiting', waiting)).statusCode).toBe(409);
  });

  it('is Rejected with a reason, once; a re-driven request moves on from there', async () => {
    const rejected = await send('PUT', '/api/deliveries/d-1/rejection', rejection);
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ stage: 'Rejected', reason: 'no-capable-drone', droneId: null });
    expect((await send('PUT', '/api/deliveries/d-1/rejection', rejection)).statusCode).toBe(200);
    expect(await events('d-1')).toMatchObject([
      { stage: 'Requested', at: requestedAt },
      { stage: 'Rejected', reason: 'no-capable-drone' },
    ]);
    // Final for the customer: nothing to cancel, confirm or be notified about.
    expect((await send('DELETE', '/api/deliveries/d-1')).statusCode).toBe(409);
    expect((await send('POST', '/api/deliveries/d-1/notifymerequests', { emailAddress: 'a@example.com' })).statusCode).toBe(409);
    // An operator re-drives the dead letter: the workflow schedules it after all.
    expect((await send('PUT', '/api/deliveries/d-1', { ...deliveryBody(), requestedAt })).statusCode).toBe(201);
    expect((await send('GET', '/api/deliveries/d-1')).json()).toMatchObject({ stage: 'Created' });
  });

  it('refuses to reject what is scheduled, and to schedule what was cancelled while it waited', async () => {
    await send('PUT', '/api/deliveries/d-1', deliveryBody());
    expect((await send('PUT', '/api/deliveries/d-1/rejection', rejection)).statusCode).toBe(409);
    await send('PUT', '/api/deliveries/d-2/waiting', waiting);
    expect((await send('DELETE', '/api/deliveries/d-2')).statusCode).toBe(204);
    expect((await send('GET', '/api/deliveries/d-2')).json()).toMatchObject({ stage: 'Cancelled' });
    expect((await send('PUT', '/api/deliveries/d-2', deliveryBody())).statusCode).toBe(409);
  });

  it('refuses a write for another owner', async () => {
    await send('PUT', '/api/deliveries/d-1/waiting', waiting);
    expect((await send('PUT', '/api/deliveries/d-1', { ...deliveryBody(), ownerId: 'owner-b' })).statusCode).toBe(409);
    expect((await send('PUT', '/api/deliveries/d-1/rejection', { ...rejection, ownerId: 'owner-b' })).statusCode).toBe(409);
  });

  it('puts refusals on the timeline once per request, without changing the stage', async () => {
    await send('PUT', '/api/deliveries/d-1', deliveryBody());
    const refusal = { action: 'reschedule', reason: 'drone-departed', message: 'The drone has left.', requestId: 'd-1:reschedule:k1' };
    expect((await send('POST', '/api/deliveries/d-1/refusals', refusal)).statusCode).toBe(204);
    expect((await send('POST', '/api/deliveries/d-1/refusals', refusal)).statusCode).toBe(204);
    const timeline = await events('d-1');
    expect(timeline.map((event) => event.stage)).toEqual(['Created', 'RescheduleRefused']);
    expect(timeline[1]).toEqual({
      stage: 'RescheduleRefused',
      at: now.toISOString(),
      reason: 'drone-departed',
      message: 'The drone has left.',
    });
    expect((await send('GET', '/api/deliveries/d-1')).json()).toMatchObject({ stage: 'Created' });
    expect((await send('POST', '/api/deliveries/unknown/refusals', refusal)).statusCode).toBe(404);
  });

  describe('lists', () => {
    beforeEach(async () => {
      // owner-a: a-1 .. a-5 requested a minute apart; a-3 rejected. owner-b: b-1.
      for (let i = 1; i <= 5; i += 1) {
        const at = new Date(Date.parse(requestedAt) + i * 60_000).toISOString();
        if (i === 3) await send('PUT', '/api/deliveries/a-3/rejection', { ...rejection, requestedAt: at });
        else await send('PUT', `/api/deliveries/a-${i}`, { ...deliveryBody(), requestedAt: at });
      }
      await send('PUT', '/api/deliveries/b-1', { ...deliveryBody({ ownerId: 'owner-b' }), requestedAt });
    });
    const list = async (query: string, headers: Record<string, string> = {}) => {
      const response = await send('GET', `/api/deliveries?${query}`, undefined, headers);
      expect(response.statusCode).toBe(200);
      return response.json() as { items: { id: string; stage: string }[]; nextCursor?: string };
    };

    it("an owner's deliveries newest first, a page at a time", async () => {
      const first = await list('ownerId=owner-a&limit=2');
      expect(first.items.map((item) => item.id)).toEqual(['a-5', 'a-4']);
      const second = await list(`ownerId=owner-a&limit=2&cursor=${first.nextCursor}`);
      expect(second.items.map((item) => item.id)).toEqual(['a-3', 'a-2']);
      const last = await list(`ownerId=owner-a&limit=2&cursor=${second.nextCursor}`);
      expect(last.items.map((item) => item.id)).toEqual(['a-1']);
      expect(last.nextCursor).toBeUndefined();
    });

    it('by stage and time range', async () => {
      expect((await list('ownerId=owner-a&stage=Rejected')).items.map((item) => item.id)).toEqual(['a-3']);
      const from = new Date(Date.parse(requestedAt) + 2 * 60_000).toISOString();
      const to = new Date(Date.parse(requestedAt) + 4 * 60_000).toISOString();
      expect((await list(`ownerId=owner-a&from=${from}&to=${to}`)).items.map((item) => item.id)).toEqual(['a-3', 'a-2']);
    });

    it("a customer sees only its own, whatever it asks; an operator sees everyone's", async () => {
      expect((await list('ownerId=owner-a', customer('owner-b'))).items.map((item) => item.id)).toEqual(['b-1']);
      expect((await list('limit=100', operator)).items).toHaveLength(6);
      expect((await list('ownerId=owner-b', operator)).items.map((item) => item.id)).toEqual(['b-1']);
    });

    it('refuses a cursor it did not give out, and bad filters', async () => {
      for (const query of ['cursor=bm90LWEtY3Vyc29y', 'stage=Lost', 'limit=0', 'limit=101', 'from=yesterday']) {
        expect((await send('GET', `/api/deliveries?${query}`)).statusCode, query).toBe(400);
      }
    });
  });

  it('checks the caller the gateway forwarded: another owner sees 404, its month is 403', async () => {
    await send('PUT', '/api/deliveries/d-1', deliveryBody());
    for (const path of ['d-1', 'd-1/status', 'd-1/events']) {
      expect((await send('GET', `/api/deliveries/${path}`, undefined, customer('owner-b'))).statusCode, path).toBe(404);
      expect((await send('GET', `/api/deliveries/${path}`, undefined, customer('owner-a'))).statusCode, path).toBe(200);
      expect((await send('GET', `/api/deliveries/${path}`, undefined, operator)).statusCode, path).toBe(200);
    }
    const month = '/api/deliveries/summary?ownerId=owner-a&year=2026&month=11';
    expect((await send('GET', month, undefined, customer('owner-b'))).statusCode).toBe(403);
    expect((await send('POST', '/api/deliveries/d-1/notifymerequests', { sms: '+14255550100' }, customer('owner-b'))).statusCode).toBe(404);
  });
});
