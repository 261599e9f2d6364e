// The delivery service over HTTP, as the workflow, the gateway and drones call it:
// against the in-memory store always and against Redis whenever REDIS_URL is set.
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import type { DeliveryStore } from '../src/store/store.ts';
import { at, deliveryBody, dropoff, times } from './fixtures.ts';
import { storeAdapters } from './redis-fixture.ts';

const config = { ...configSchema.parse({}), ...testConfig() };

const adapters = storeAdapters;

describe.each(adapters)('delivery API on $name', ({ open }) => {
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

  const put = (id: string, body: unknown = deliveryBody()) =>
    app.inject({ method: 'PUT', url: `/api/deliveries/${id}`, payload: body as object });
  const get = (path: string) => app.inject({ method: 'GET', url: `/api/deliveries/${path}` });
  const stageOf = async (id: string) => ((await get(id)).json() as { stage: string }).stage;

  it('schedules (201), repeats (200) without a second event, and shows the delivery', async () => {
    const created = await put('d-1');
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: 'd-1',
      ownerId: 'owner-a',
      droneId: 'drone-7',
      stage: 'Created',
      pickup: 'mypickup',
      expedited: true,
      deadline: null,
    });
    expect((await put('d-1')).statusCode).toBe(200);
    expect((await get('d-1/events')).json()).toEqual([
      { stage: 'Created', at: times.scheduled.toISOString(), location: { latitude: 47.6, longitude: -122.33 } },
    ]);
    expect((await put('d-1', deliveryBody({ packageId: 'another' }))).statusCode).toBe(409);
  });

  it('follows the drone: status and events move with the clock', async () => {
    await put('d-1');
    now = at('2026-11-20T10:15:00.000Z');
    const status = (await get('d-1/status')).json() as { stage: string; lastKnownLocation: { latitude: number } };
    expect(status.stage).toBe('HeadedToDropoff');
    expect(status.lastKnownLocation.latitude).toBeCloseTo(47.63, 3);
    expect(((await get('d-1/events')).json() as { stage: string }[]).map((e) => e.stage)).toEqual([
      'Created',
      'HeadedToPickup',
      'HeadedToDropoff',
    ]);
  });

  it('reschedules before departure (200), 404 for an unknown id, 409 once the drone has left', async () => {
    await put('d-1');
    const moved = await app.inject({
      method: 'PATCH',
      url: '/api/deliveries/d-1',
      payload: { dropoff: 'new place', pickupTime: '2026-11-20T10:30:00+00:00' },
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ stage: 'Rescheduled', dropoff: 'new place', pickupTime: '2026-11-20T10:30:00.000Z' });
    expect((await app.inject({ method: 'PATCH', url: '/api/deliveries/nope', payload: { dropoff: 'x' } })).statusCode).toBe(404);
    now = at('2026-11-20T10:01:00.000Z');
    const late = await app.inject({ method: 'PATCH', url: '/api/deliveries/d-1', payload: { dropoff: 'x' } });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ from: 'HeadedToPickup', to: 'Rescheduled' });
  });

  it('keeps a consistent history under concurrent reschedules', async () => {
    await put('d-1');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => app.inject({ method: 'PATCH', url: '/api/deliveries/d-1', payload: { dropoff: `place-${i}` } })),
    );
    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    const events = (await get('d-1/events')).json() as { stage: string }[];
    expect(events.map((e) => e.stage)).toEqual(['Created', ...Array(10).fill('Rescheduled')]);
    const current = (await store.get('d-1'))?.version;
    expect(current).toBe(11);
    const final = (await get('d-1')).json() as { dropoff: string };
    expect(final.dropoff).toMatch(/^place-\d$/);
  });

  it('cancels (204, idempotent); a cancelled delivery cannot be confirmed and leaves the summary', async () => {
    await put('d-1');
    await put('d-2');
    const summary = () => app.inject({ method: 'GET', url: '/api/deliveries/summary?ownerId=owner-a&year=2026&month=11' });
    expect((await summary()).json()).toEqual({ ownerId: 'owner-a', year: 2026, month: 11, count: 2 });
    expect((await app.inject({ method: 'DELETE', url: '/api/deliveries/d-1' })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/api/deliveries/d-1' })).statusCode).toBe(204);
    expect(await stageOf('d-1')).toBe('Cancelled');
    expect((await summary()).json()).toMatchObject({ count: 1 });
    now = at(times.deliveryEta);
    const refused = await app.inject({
      method: 'POST',
      url: '/api/deliveries/d-1/confirmations',
      payload: { confirmedAt: times.deliveryEta, geoCoordinates: dropoff, confirmationType: 'None' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ detail: 'Delivery d-1 is Cancelled; it cannot become Completed.' });
    expect(await stageOf('d-1')).toBe('Cancelled');
  });

  it('records a drone failure: Rejected (drone-fault) where it stopped, idempotent, out of the summary; 409 once finished, 404 unknown, 400 bad', async () => {
    await put('d-1');
    await put('d-2');
    const summary = () => app.inject({ method: 'GET', url: '/api/deliveries/summary?ownerId=owner-a&year=2026&month=11' });
    const failure = {
      reason: 'drone-fault',
      message: 'drone-7 failed',
      at: '2026-11-20T10:05:00.000Z',
      location: { latitude: 47.61, longitude: -122.33 },
    };
    const fail = (id: string, body: object = failure) => app.inject({ method: 'PUT', url: `/api/deliveries/${id}/failure`, payload: body });
    now = at('2026-11-20T10:06:00.000Z');
    const first = await fail('d-1');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ id: 'd-1', stage: 'Rejected', reason: 'drone-fault', message: 'drone-7 failed' });
    const again = await fail('d-1');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(((await get('d-1/events')).json() as { stage: string }[]).map((event) => event.stage)).toEqual([
      'Created',
      'HeadedToPickup',
      'Rejected',
    ]);
    expect((await get('d-1/status')).json()).toMatchObject({ stage: 'Rejected', lastKnownLocation: failure.location });
    expect((await summary()).json()).toMatchObject({ count: 1 });

    await app.inject({ method: 'DELETE', url: '/api/deliveries/d-2' });
    expect((await fail('d-2')).statusCode).toBe(409);
    expect((await fail('d-unknown')).statusCode).toBe(404);
    expect((await fail('d-1', { ...failure, reason: 'bored' })).statusCode).toBe(400);
    expect((await fail('d-1', { reason: 'drone-fault', message: 'x' })).statusCode).toBe(400);
  });

  it('remembers a cancel that overtook its delivery: the schedule then gets 409 and reads get 410', async () => {
    expect((await app.inject({ method: 'DELETE', url: '/api/deliveries/d-early' })).statusCode).toBe(204);
    expect((await put('d-early')).statusCode).toBe(409);
    expect((await get('d-early')).statusCode).toBe(410);
  });

  it('confirms: Completed, the confirmation persisted, one notification per channel on the outbound stream', async () => {
    await put('d-1');
    const asked = await app.inject({
      method: 'POST',
      url: '/api/deliveries/d-1/notifymerequests',
      payload: { emailAddress: 'ann@example.com', sms: '+14255550100' },
    });
    expect(asked.statusCode).toBe(204);
    now = at('2026-11-20T10:26:00.000Z');
    const confirmation = {
      confirmedAt: '2026-11-20T10:25:30.000Z',
      geoCoordinates: dropoff,
      confirmationType: 'Picture',
      confirmationBlob: 'blob://proofs/d-1.jpg',
    };
    const done = await app.inject({ method: 'POST', url: '/api/deliveries/d-1/confirmations', payload: confirmation });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ stage: 'Completed' });
    expect((await app.inject({ method: 'POST', url: '/api/deliveries/d-1/confirmations', payload: confirmation })).statusCode).toBe(200);
    expect((await store.get('d-1'))?.record).toMatchObject({ confirmation });
    const sent = (await store.recentNotifications(10)).filter((n) => n.deliveryId === 'd-1');
    expect(sent.map((n) => [n.channel, n.address])).toEqual([
      ['email', 'ann@example.com'],
      ['sms', '+14255550100'],
    ]);
    expect(((await get('d-1/events')).json() as { stage: string }[]).map((e) => e.stage)).toEqual([
      'Created',
      'HeadedToPickup',
      'HeadedToDropoff',
      'Completed',
    ]);
  });

  describe('bad input: a clear 4xx, and nothing changes', () => {
    it.each([
      ['a body missing its assignment', { ...deliveryBody(), assignment: undefined }, 'body.assignment'],
      ['an unknown confirmation type', { ...deliveryBody(), confirmationRequired: 'Retina' }, 'body.confirmationRequired'],
      ['a latitude off the globe', { ...deliveryBody(), dropoff: { latitude: 91, longitude: 0 } }, 'body.dropoff.latitude'],
      ['a pickup time that is not a date', { ...deliveryBody(), pickupTime: 'tomorrow' }, 'body.pickupTime'],
      [
        'a route with one waypoint',
        { ...deliveryBody(), assignment: { ...deliveryBody().assignment, route: [deliveryBody().assignment.route[0]] } },
        'body.assignment.route',
      ],
      ['an unknown field', { ...deliveryBody(), colour: 'red' }, 'body'],
    ])('PUT with %s', async (_name, body, field) => {
      const response = await put('d-bad', body);
      expect(response.statusCode).toBe(400);
      expect((response.json() as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
      expect((await get('d-bad')).statusCode).toBe(404);
    });

    it('notify-me with neither address, or a malformed one', async () => {
      await put('d-1');
      for (const payload of [{}, { emailAddress: 'not-an-email' }, { sms: '12345' }]) {
        const response = await app.inject({ method: 'POST', url: '/api/deliveries/d-1/notifymerequests', payload });
        expect(response.statusCode).toBe(400);
      }
      expect((await store.get('d-1'))?.record).toMatchObject({ notifyRequests: [] });
    });

    it('a confirmation without coordinates or with an unknown type', async () => {
      await put('d-1');
      now = at(times.deliveryEta);
      const response = await app.inject({
        method: 'POST',
        url: '/api/deliveries/d-1/confirmations',
        payload: { confirmedAt: times.deliveryEta, confirmationType: 'Smell' },
      });
      expect(response.statusCode).toBe(400);
      expect(await stageOf('d-1')).toBe('HeadedToDropoff');
    });

    it.each([
      ['month 13', 'ownerId=o&year=2026&month=13'],
      ['no owner', 'year=2026&month=1'],
      ['year 0', 'ownerId=o&year=0&month=1'],
    ])('summary with %s', async (_name, query) => {
      expect((await app.inject({ method: 'GET', url: `/api/deliveries/summary?${query}` })).statusCode).toBe(400);
    });

    it('an unsafe id', async () => {
      expect((await get('bad%20id')).statusCode).toBe(400);
    });
  });

  it('serves its OpenAPI document with every delivery route', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/deliveries',
      '/api/deliveries/summary',
      '/api/deliveries/{id}',
      '/api/deliveries/{id}/confirmations',
      '/api/deliveries/{id}/events',
      '/api/deliveries/{id}/failure',
      '/api/deliveries/{id}/notifymerequests',
      '/api/deliveries/{id}/refusals',
      '/api/deliveries/{id}/rejection',
      '/api/deliveries/{id}/status',
      '/api/deliveries/{id}/waiting',
    ]);
  });
});
