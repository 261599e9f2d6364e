// The gateway in front of the real services (in-process, loopback, in-memory stores).
import { freePort } from '@dronedelivery/service-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, recordingServer, SECRET, seedDelivery, slowServer, startHarness, token } from './harness.ts';

let harness: Harness | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const SAMPLE = {
  confirmationRequired: 'None',
  deadline: '',
  dropOffLocation: 'drop off',
  expedited: true,
  ownerId: 'owner-a',
  packageInfo: { packageId: 'mypackage', size: 'Small', tag: 'mytag', weight: 10 },
  pickupLocation: 'my pickup',
  pickupTime: '2019-05-08T20:00:00.000Z',
};

async function get(url: string, bearer?: string) {
  return (harness as Harness).gateway.inject({ method: 'GET', url, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
}

describe('authentication', () => {
  it.each([
    ['no token', async () => undefined],
    [
      'a token signed with another secret',
      () => token({ owner_id: 'owner-a' }, { secret: 'another-secret-that-is-long-enough-for-hs256' }),
    ],
    ['an expired token', () => token({ owner_id: 'owner-a' }, { expiresIn: '-5m' })],
    ['a token for another issuer', () => token({ owner_id: 'owner-a' }, { issuer: 'https://evil.example/' })],
    ['a token for another audience', () => token({ owner_id: 'owner-a' }, { audience: 'api://something-else' })],
  ])('%s: 401 with WWW-Authenticate, and no upstream call', async (_name, make) => {
    harness = await startHarness();
    const response = await get('/api/deliveries/d-1', await make());
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="dronedelivery"/);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('accepts a token expired by less than the clock skew', async () => {
    harness = await startHarness();
    await seedDelivery(harness, 'd-1', 'owner-a');
    expect((await get('/api/deliveries/d-1', await token({ owner_id: 'owner-a' }, { expiresIn: '-10s' }))).statusCode).toBe(200);
  });

  it('refuses a token with none of the roles', async () => {
    harness = await startHarness();
    expect((await get('/api/deliveries/d-1', await token({ owner_id: 'owner-a', roles: ['admin'] }))).statusCode).toBe(403);
  });

  it('refuses to start without a secret or a JWKS URL (authentication cannot be off)', async () => {
    const { configSchema } = await import('../src/config.ts');
    expect(configSchema.safeParse({}).success).toBe(false);
    expect(configSchema.safeParse({ JWT_SECRET: SECRET }).success).toBe(true);
  });
});

describe('authorization', () => {
  it('customers see only their own deliveries and packages (another owner is 404); operators see all', async () => {
    harness = await startHarness();
    await seedDelivery(harness, 'd-a', 'owner-a');
    const customerA = await token({ owner_id: 'owner-a' });
    const customerB = await token({ owner_id: 'owner-b' });
    const operator = await token({ roles: ['operator'] });
    for (const path of [
      '/api/deliveries/d-a',
      '/api/deliveries/d-a/status',
      '/api/deliveries/d-a/events',
      '/api/deliveries/d-a/details',
      '/api/packages/pkg-d-a',
    ]) {
      expect((await get(path, customerA)).statusCode, path).toBe(200);
      expect((await get(path, operator)).statusCode, path).toBe(200);
      const hidden = await get(path, customerB);
      expect(hidden.statusCode, path).toBe(404);
      expect((await get(path.replace('d-a', 'd-none'), customerB)).json()).toMatchObject({ status: 404 });
    }
  });

  it('customers ask only for their own owner id (403), and read only their own summaries and invoices', async () => {
    harness = await startHarness();
    const customerA = await token({ owner_id: 'owner-a' });
    const post = (body: object, bearer: string) =>
      (harness as Harness).gateway.inject({
        method: 'POST',
        url: '/api/deliveryrequests',
        payload: body,
        headers: { authorization: `Bearer ${bearer}` },
      });
    expect((await post(SAMPLE, customerA)).statusCode).toBe(202);
    expect((await post({ ...SAMPLE, ownerId: 'owner-b' }, customerA)).statusCode).toBe(403);
    expect((await post({ ...SAMPLE, ownerId: 'owner-b' }, await token({ roles: ['operator'] }))).statusCode).toBe(202);
    expect((await post(SAMPLE, await token({ roles: ['drone'] }))).statusCode).toBe(403);
    for (const path of [
      '/api/deliveries/summary?ownerId=owner-b&year=2026&month=11',
      '/api/packages/summary/owner-b?year=2026&month=11',
      '/api/dronedeliveries/utilization?ownerId=owner-b&year=2026&month=11',
      '/api/owners/owner-b/invoice?year=2026&month=11',
    ]) {
      expect((await get(path, customerA)).statusCode, path).toBe(403);
    }
    expect((await get('/api/deliveries/summary?ownerId=owner-a&year=2026&month=11', customerA)).statusCode).toBe(200);
  });

  it('drones and operators post confirmations; customers cannot', async () => {
    harness = await startHarness();
    await seedDelivery(harness, 'd-1', 'owner-a');
    const confirmation = {
      confirmedAt: new Date().toISOString(),
      geoCoordinates: { latitude: 47.65, longitude: -122.3 },
      confirmationType: 'Picture',
      confirmationBlob: 'blob://proofs/d-1.jpg',
    };
    const confirm = async (bearer: string) =>
      (harness as Harness).gateway.inject({
        method: 'POST',
        url: '/api/deliveries/d-1/confirmations',
        payload: confirmation,
        headers: { authorization: `Bearer ${bearer}` },
      });
    expect((await confirm(await token({ owner_id: 'owner-a' }))).statusCode).toBe(403);
    const done = await confirm(await token({ roles: ['drone'], sub: 'drone-1-downtown' }));
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ stage: 'Completed' });
  });

  it('passes the verified identity upstream and never one a client sent', async () => {
    const recorder = await recordingServer();
    cleanups.push(recorder.close);
    harness = await startHarness({ UPSTREAM_RETRIES: 0 }, { ingestion: recorder.url });
    await harness.gateway.inject({
      method: 'POST',
      url: '/api/deliveryrequests',
      payload: SAMPLE,
      headers: {
        authorization: `Bearer ${await token({ owner_id: 'owner-a', sub: 'alice' })}`,
        'x-caller-owner-id': 'owner-b',
        'x-caller-roles': 'operator',
        'x-caller-subject': 'mallory',
        'idempotency-key': 'k-1',
      },
    });
    const [seen] = recorder.received;
    expect(seen).toMatchObject({
      'x-caller-owner-id': 'owner-a',
      'x-caller-roles': 'customer',
      'x-caller-subject': 'alice',
      'idempotency-key': 'k-1',
    });
    expect(seen?.['x-request-id']).toBeDefined();
    expect(seen?.authorization).toBeUndefined();
  });
});

describe('routing', () => {
  it('does not reach internal routes', async () => {
    harness = await startHarness();
    const operator = await token({ roles: ['operator'] });
    for (const [method, url] of [
      ['PUT', '/api/packages/p-1'],
      ['PATCH', '/api/packages/p-1'],
      ['PUT', '/api/deliveries/d-1'],
      ['PATCH', '/api/deliveries/d-1'],
      ['DELETE', '/api/deliveries/d-1'],
      ['PUT', '/api/dronedeliveries/d-1'],
      ['DELETE', '/api/dronedeliveries/d-1'],
      ['GET', '/api/dronedeliveries/d-1'],
    ] as const) {
      const response = await harness.gateway.inject({ method, url, payload: {}, headers: { authorization: `Bearer ${operator}` } });
      // 405 where the path serves other methods publicly (GET a package), 404 where it serves none.
      expect([404, 405], `${method} ${url}`).toContain(response.statusCode);
      expect(response.headers.allow ?? '', `${method} ${url}`).not.toContain(method);
    }
  });

  it('serves one OpenAPI document for the public API, and a docs page', async () => {
    harness = await startHarness();
    const document = (await harness.gateway.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/deliveryrequests', '/api/deliveries/{id}/details', '/api/owners/{ownerId}/invoice']),
    );
    expect(document.paths['/api/packages/{id}']).not.toHaveProperty('put');
    const docs = await harness.gateway.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After and RateLimit headers past the limit, per caller, and recovers', async () => {
    harness = await startHarness({ RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW_MS: 1000 });
    await seedDelivery(harness, 'd-1', 'owner-a');
    const alice = await token({ owner_id: 'owner-a', sub: 'alice' });
    const bob = await token({ owner_id: 'owner-a', sub: 'bob' });
    for (let i = 0; i < 3; i += 1) expect((await get('/api/deliveries/d-1', alice)).statusCode).toBe(200);
    const limited = await get('/api/deliveries/d-1', alice);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers.ratelimit ?? limited.headers['ratelimit-limit']).toBeDefined();
    expect((await get('/api/deliveries/d-1', bob)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await get('/api/deliveries/d-1', alice)).statusCode).toBe(200);
  });
});

describe('aggregation', () => {
  it('details: the essential delivery with every part, no warnings', async () => {
    harness = await startHarness();
    await seedDelivery(harness, 'd-1', 'owner-a');
    const details = (await get('/api/deliveries/d-1/details', await token({ owner_id: 'owner-a' }))).json() as Record<string, unknown>;
    expect(details).toMatchObject({
      delivery: { id: 'd-1' },
      package: { id: 'pkg-d-1', weight: 2 },
      drone: { deliveryId: 'd-1' },
      status: { stage: 'HeadedToDropoff' },
      warnings: [],
    });
  });

  it('details with the dronescheduler stopped: 200, drone null, a warning naming it', async () => {
    harness = await startHarness();
    await seedDelivery(harness, 'd-1', 'owner-a');
    await harness.services.dronescheduler.close();
    const response = await get('/api/deliveries/d-1/details', await token({ owner_id: 'owner-a' }));
    expect(response.statusCode).toBe(200);
    const details = response.json() as { drone: unknown; package: unknown; warnings: string[] };
    expect(details.drone).toBeNull();
    expect(details.package).not.toBeNull();
    expect(details.warnings).toEqual([expect.stringMatching(/^drone: /)]);
  });

  it('invoice with the package service unreachable: the other parts, and a warning', async () => {
    harness = await startHarness({}, { package: `http://127.0.0.1:${await freePort()}` });
    const invoice = (await get('/api/owners/owner-a/invoice?year=2026&month=11', await token({ owner_id: 'owner-a' }))).json() as Record<
      string,
      unknown
    >;
    expect(invoice).toMatchObject({
      ownerId: 'owner-a',
      deliveries: { count: 0 },
      packages: null,
      utilization: { traveledMiles: 0, assignedHours: 0 },
    });
    expect(invoice.warnings).toEqual([expect.stringMatching(/^packages: /)]);
  });

  it('a slow part is left out once its budget is spent: the answer does not wait for it', async () => {
    const slow = await slowServer(3_000);
    cleanups.push(slow.close);
    harness = await startHarness({ AGGREGATION_PART_TIMEOUT_MS: 300 }, { dronescheduler: slow.url });
    await seedDelivery(harness, 'd-1', 'owner-a').catch(() => undefined);
    const started = Date.now();
    const response = await get('/api/owners/owner-a/invoice?year=2026&month=11', await token({ owner_id: 'owner-a' }));
    expect(response.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(response.json()).toMatchObject({ utilization: null, warnings: [expect.stringMatching(/^utilization: /)] });
  });
});
