// The services started in-process on loopback with in-memory stores, and the gateway in
// front of them, with tokens signed by the test's HS256 secret.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { buildApp as buildDelivery } from '@dronedelivery/delivery/src/app.ts';
import { configSchema as deliveryConfig } from '@dronedelivery/delivery/src/config.ts';
import { MemoryDeliveryStore } from '@dronedelivery/delivery/src/store/memory.ts';
import { buildApp as buildScheduler } from '@dronedelivery/dronescheduler/src/app.ts';
import { configSchema as schedulerConfig } from '@dronedelivery/dronescheduler/src/config.ts';
import { MemorySchedulerStore } from '@dronedelivery/dronescheduler/src/store/memory.ts';
import { MemoryAcceptanceStore } from '@dronedelivery/ingestion/src/acceptances/memory.ts';
import { buildApp as buildIngestion } from '@dronedelivery/ingestion/src/app.ts';
import { configSchema as ingestionConfig } from '@dronedelivery/ingestion/src/config.ts';
import { MemoryIdempotencyStore } from '@dronedelivery/ingestion/src/idempotency/memory.ts';
import { buildApp as buildPackage } from '@dronedelivery/package/src/app.ts';
import { configSchema as packageConfig } from '@dronedelivery/package/src/config.ts';
import { MemoryPackageStore } from '@dronedelivery/package/src/store/memory.ts';
import { MemoryQueue } from '@dronedelivery/queue';
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { SignJWT } from 'jose';
import { buildApp } from '../src/app.ts';
import { type Config, configSchema } from '../src/config.ts';

export const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
export const ISSUER = 'https://dronedelivery.local/';
export const AUDIENCE = 'api://dronedelivery';

export async function token(
  claims: { sub?: string; roles?: string[]; owner_id?: string },
  options: { secret?: string; issuer?: string; audience?: string; expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT({ roles: claims.roles ?? ['customer'], ...(claims.owner_id ? { owner_id: claims.owner_id } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub ?? `user-${claims.owner_id ?? 'x'}-${(claims.roles ?? ['customer']).join('-')}`)
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function listen(app: ServiceInstance): Promise<string> {
  await startForInject(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

export interface Harness {
  gateway: ServiceInstance;
  services: Record<'ingestion' | 'delivery' | 'package' | 'dronescheduler', ServiceInstance>;
  urls: Record<'ingestion' | 'delivery' | 'package' | 'dronescheduler', string>;
  queue: MemoryQueue;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<Config> = {}, urlOverrides: Partial<Harness['urls']> = {}): Promise<Harness> {
  const log = capturingLogger('gateway-test').log;
  const queue = new MemoryQueue({ maxAttempts: 3, backoffMs: 10 });
  const services = {
    ingestion: await buildIngestion({
      config: { ...ingestionConfig.parse({}), ...testConfig() },
      log,
      queue,
      idempotency: new MemoryIdempotencyStore(),
      acceptances: new MemoryAcceptanceStore(),
    }),
    delivery: await buildDelivery({ config: { ...deliveryConfig.parse({}), ...testConfig() }, log, store: new MemoryDeliveryStore() }),
    package: await buildPackage({ config: { ...packageConfig.parse({}), ...testConfig() }, log, store: new MemoryPackageStore() }),
    dronescheduler: await buildScheduler({
      config: { ...schedulerConfig.parse({}), ...testConfig() },
      log,
      store: new MemorySchedulerStore(),
    }),
  };
  const urls = {
    ingestion: await listen(services.ingestion),
    delivery: await listen(services.delivery),
    package: await listen(services.package),
    dronescheduler: await listen(services.dronescheduler),
    ...urlOverrides,
  };
  const config: Config = {
    ...configSchema.parse({ JWT_SECRET: SECRET }),
    ...testConfig(),
    INGESTION_URL: urls.ingestion,
    DELIVERY_URL: urls.delivery,
    PACKAGE_URL: urls.package,
    DRONESCHEDULER_URL: urls.dronescheduler,
    UPSTREAM_RETRIES: 1,
    UPSTREAM_RETRY_BASE_DELAY_MS: 10,
    ...overrides,
  };
  const gateway = await startForInject(await buildApp({ config, log: capturingLogger('gateway').log }));
  return {
    gateway,
    services,
    urls,
    queue,
    close: async () => {
      await gateway.close();
      for (const app of Object.values(services)) await app.close();
      await queue.close();
    },
  };
}

/** Schedules delivery `id` for `ownerId` through the internal APIs, as the workflow would. Its drone left an hour ago. */
export async function seedDelivery(harness: Harness, id: string, ownerId: string): Promise<void> {
  const start = Date.now() - 3600_000;
  const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
  const pickup = { latitude: 47.62, longitude: -122.35 };
  const dropoff = { latitude: 47.65, longitude: -122.3 };
  const packageId = `pkg-${id}`;
  const stored = await harness.services.package.inject({
    method: 'PUT',
    url: `/api/packages/${packageId}`,
    payload: { ownerId, size: 'Small', weight: 2 },
  });
  if (stored.statusCode >= 300) throw new Error(`package seed failed: ${stored.body}`);
  const assigned = await harness.services.dronescheduler.inject({
    method: 'PUT',
    url: `/api/dronedeliveries/${id}`,
    payload: {
      ownerId,
      pickup,
      dropoff,
      pickupTime: new Date(Date.now() + 86_400_000).toISOString(),
      expedited: false,
      packageDetails: [{ id: packageId, size: 'Small', weight: 2 }],
    },
  });
  if (assigned.statusCode !== 200) throw new Error(`assignment seed failed: ${assigned.body}`);
  const created = await harness.services.delivery.inject({
    method: 'PUT',
    url: `/api/deliveries/${id}`,
    payload: {
      ownerId,
      pickup,
      dropoff,
      pickupTime: at(10),
      expedited: false,
      confirmationRequired: 'None',
      packageId,
      assignment: {
        droneId: 'drone-1-downtown',
        pickupEta: at(10),
        deliveryEta: at(30),
        distanceMiles: 2.5,
        route: [
          { latitude: 47.6, longitude: -122.33, at: at(0) },
          { ...pickup, at: at(10) },
          { ...dropoff, at: at(30) },
        ],
      },
    },
  });
  if (created.statusCode !== 201) throw new Error(`delivery seed failed: ${created.body}`);
}

/** An upstream that records the headers of every request it receives, and answers 503. */
export async function recordingServer(): Promise<{
  url: string;
  received: Record<string, string | string[] | undefined>[];
  close: () => Promise<void>;
}> {
  const received: Record<string, string | string[] | undefined>[] = [];
  const server: Server = createServer((request, response) => {
    received.push(request.headers);
    request.resume();
    request.on('end', () =>
      response
        .writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' })
        .end('{"status":503,"detail":"recording only"}'),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An upstream that takes `delayMs` to answer anything (with 200 and an empty object). */
export async function slowServer(delayMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'), delayMs).unref();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
