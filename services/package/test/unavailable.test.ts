// What callers see when MongoDB is unreachable or throttling: 503 with Retry-After and
// readiness false, never a 500 or a hang; and recovery, without a restart, once it is back.
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, freePort, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { MongoPackageStore, translateMongoError } from '../src/store/mongo.ts';
import { FerretdbProcess, haveFerretdb } from './ferretdb-process.ts';
import { mongoSettings } from './mongo-fixture.ts';

const config = { ...configSchema.parse({}), ...testConfig() };
const body = { ownerId: 'owner-a', size: 'Small', weight: 3 };

describe('before the store has connected', () => {
  let app: ServiceInstance;

  beforeAll(async () => {
    const log = capturingLogger('package').log;
    const store = new MongoPackageStore(mongoSettings(`mongodb://127.0.0.1:${await freePort()}/`), log);
    app = await buildApp({ config, log, store });
    await app.ready();
    app.health.markStarted();
  });

  afterAll(() => app.close());

  it('answers 503 with Retry-After, and readiness says the store is down', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/packages/p-1' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    const ready = await app.inject({ method: 'GET', url: '/healthz/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ checks: { store: { status: 'down' } } });
  });
});

describe.runIf(haveFerretdb)('MongoDB goes away and comes back (a FerretDB process of its own)', () => {
  let server: FerretdbProcess;
  let app: ServiceInstance;

  beforeAll(async () => {
    server = new FerretdbProcess(await freePort());
    await server.start();
    const log = capturingLogger('package').log;
    const store = new MongoPackageStore({ ...mongoSettings(server.url), MONGODB_SERVER_SELECTION_TIMEOUT_MS: 500 }, log);
    app = await buildApp({ config, log, store });
    await startForInject(app);
  });

  afterAll(async () => {
    await app.close();
    await server.destroy();
  });

  it('serves, answers 503 while the server is down, and recovers when it returns', async () => {
    expect((await app.inject({ method: 'PUT', url: '/api/packages/p-1', payload: body })).statusCode).toBe(201);

    await server.kill();
    for (const request of [
      { method: 'GET' as const, url: '/api/packages/p-1' },
      { method: 'PUT' as const, url: '/api/packages/p-2', payload: body },
      { method: 'GET' as const, url: '/api/packages/summary/owner-a?year=2026&month=1' },
    ]) {
      const response = await app.inject(request);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toMatchObject({ detail: 'The package store cannot be reached; retry shortly.' });
    }
    await expect.poll(async () => (await app.inject({ method: 'GET', url: '/healthz/ready' })).statusCode).toBe(503);

    await server.start();
    await expect
      .poll(async () => (await app.inject({ method: 'GET', url: '/api/packages/p-1' })).statusCode, { timeout: 10_000 })
      .toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/packages/p-1' })).json()).toMatchObject({ id: 'p-1', ...body });
    await expect.poll(async () => (await app.inject({ method: 'GET', url: '/healthz/ready' })).statusCode, { timeout: 10_000 }).toBe(200);
  });
});

describe('Cosmos DB throttling', () => {
  it('maps error 16500 to 503 with the advised Retry-After, rounded up to seconds', () => {
    const throttled = new MongoServerError({ code: 16500, errmsg: 'Request rate is large. RetryAfterMs=1500, Details=...' });
    expect(translateMongoError(throttled)).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 2 });
  });

  it('leaves other server errors alone, to become a 500 without internals', () => {
    const other = new MongoServerError({ code: 2, errmsg: 'BadValue' });
    expect(translateMongoError(other)).toBe(other);
  });
});
