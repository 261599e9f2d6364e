// Server-sent event streams through a listening gateway, read as the console reads them:
// fetch() with the bearer header, the body consumed as it arrives.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, seedDelivery, startHarness, token } from './harness.ts';

let harness: Harness | undefined;
const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];

afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.cancel().catch(() => undefined);
  await harness?.close();
  harness = undefined;
});

interface ServerSentEvent {
  event: string;
  data: unknown;
}

/** Opens a stream; `next()` resolves with the next event (comments and retry lines skipped), undefined once it closed. */
async function open(path: string, bearer: string) {
  const gateway = (harness as Harness).gateway;
  const address = gateway.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${address.port}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
  if (!response.body || response.status !== 200) return { response, next: async () => undefined };
  const reader = response.body.getReader();
  readers.push(reader);
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (): Promise<ServerSentEvent | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event) return { event, data: data === undefined ? undefined : JSON.parse(data) };
        continue;
      }
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return { response, next };
}

async function listening(overrides: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  harness = await startHarness({ STREAM_POLL_MS: 50, ...overrides });
  await harness.gateway.listen({ host: '127.0.0.1', port: 0 });
  return harness;
}

describe('delivery updates', () => {
  it('sends the delivery at once, again when it changes, and ends once it is finished', async () => {
    const h = await listening();
    await seedDelivery(h, 'd-1', 'owner-a');
    const stream = await open('/api/deliveries/d-1/updates', await token({ owner_id: 'owner-a' }));
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toBe('no-store');
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
    const first = await stream.next();
    expect(first).toMatchObject({
      event: 'delivery',
      data: { delivery: { id: 'd-1', stage: 'HeadedToDropoff' }, status: { stage: 'HeadedToDropoff' } },
    });

    // A drone fault ends it: the next event shows it Rejected, then the stream ends.
    const droneId = (
      (await h.services.dronescheduler.inject({ method: 'GET', url: '/api/dronedeliveries/d-1' })).json() as { droneId: string }
    ).droneId;
    const operator = await token({ roles: ['operator'] });
    const fault = await h.gateway.inject({
      method: 'POST',
      url: `/api/drones/${droneId}/faults`,
      headers: { authorization: `Bearer ${operator}` },
      payload: { at: new Date().toISOString(), location: { latitude: 47.6, longitude: -122.3 } },
    });
    expect(fault.statusCode).toBe(200);
    const changed = await stream.next();
    expect(changed).toMatchObject({ event: 'delivery', data: { delivery: { stage: 'Rejected', reason: 'drone-fault' } } });
    expect((changed as { data: { events: { stage: string }[] } }).data.events.at(-1)?.stage).toBe('Rejected');
    expect(await stream.next()).toEqual({ event: 'end', data: {} });
    expect(await stream.next()).toBeUndefined();
  });

  it("another owner's delivery is 404, like GET; a request still on the queue streams as Requested", async () => {
    const h = await listening();
    await seedDelivery(h, 'd-1', 'owner-a');
    const other = await open('/api/deliveries/d-1/updates', await token({ owner_id: 'owner-b' }));
    expect(other.response.status).toBe(404);
    expect(await other.response.json()).toMatchObject({ status: 404 });

    const customer = await token({ owner_id: 'owner-a' });
    const accepted = await h.gateway.inject({
      method: 'POST',
      url: '/api/deliveryrequests',
      headers: { authorization: `Bearer ${customer}` },
      payload: {
        ownerId: 'owner-a',
        pickupLocation: 'my pickup',
        dropOffLocation: 'drop off',
        pickupTime: new Date(Date.now() + 3600_000).toISOString(),
        deadline: '',
        expedited: false,
        confirmationRequired: 'None',
        packageInfo: { packageId: 'p-queued', size: 'Small', tag: 't', weight: 1 },
      },
    });
    expect(accepted.statusCode).toBe(202);
    const { deliveryId } = accepted.json() as { deliveryId: string };
    const queued = await open(`/api/deliveries/${deliveryId}/updates`, customer);
    expect(await queued.next()).toMatchObject({ event: 'delivery', data: { delivery: { id: deliveryId, stage: 'Requested' } } });
  });

  it('refuses a caller more streams than STREAM_MAX_PER_CALLER (429), and the gateway more than STREAM_MAX (503)', async () => {
    const h = await listening({ STREAM_MAX_PER_CALLER: 1, STREAM_MAX: 2 });
    await seedDelivery(h, 'd-1', 'owner-a');
    const customer = await token({ owner_id: 'owner-a' });
    const first = await open('/api/deliveries/d-1/updates', customer);
    expect(await first.next()).toMatchObject({ event: 'delivery' });
    const second = await open('/api/deliveries/d-1/updates', customer);
    expect(second.response.status).toBe(429);
    expect(await second.response.json()).toMatchObject({ type: expect.stringContaining('too-many-streams') });
    const operator = await token({ roles: ['operator'] });
    expect(await (await open('/api/drones/updates', operator)).next()).toMatchObject({ event: 'fleet' });
    const third = await open('/api/drones/updates', await token({ roles: ['operator'], sub: 'another-operator' }));
    expect(third.response.status).toBe(503);
  });

  it("closes a stream when its caller's token expires", async () => {
    const h = await listening({ JWT_CLOCK_SKEW_SECONDS: 0 });
    await seedDelivery(h, 'd-1', 'owner-a');
    const stream = await open('/api/deliveries/d-1/updates', await token({ owner_id: 'owner-a' }, { expiresIn: '2s' }));
    expect(await stream.next()).toMatchObject({ event: 'delivery' });
    expect(await stream.next()).toBeUndefined();
  });
});

describe('fleet updates', () => {
  it('sends the fleet at once and again when a drone changes; shutdown ends every stream', async () => {
    const h = await listening();
    const operator = await token({ roles: ['operator'] });
    const stream = await open('/api/drones/updates', operator);
    const first = await stream.next();
    expect(first).toMatchObject({ event: 'fleet', data: { summary: { total: 12, faulted: 0 } } });
    const fault = await h.gateway.inject({
      method: 'POST',
      url: '/api/drones/drone-6-ballard/faults',
      headers: { authorization: `Bearer ${operator}` },
      payload: { at: new Date().toISOString(), location: { latitude: 47.6, longitude: -122.3 } },
    });
    expect(fault.statusCode).toBe(200);
    expect(await stream.next()).toMatchObject({ event: 'fleet', data: { summary: { faulted: 1 } } });

    const started = Date.now();
    const closed = h.gateway.close();
    expect(await stream.next()).toBeUndefined();
    await closed;
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
