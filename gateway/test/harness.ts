// The services started in-process on loopback with in-memory stores, and the gateway in
// front of them, with tokens signed by the test's HS256 secret.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { service as delivery } from '@dronedelivery/delivery';
import { service as dronescheduler } from '@dronedelivery/dronescheduler';
import { service as ingestion } from '@dronedelivery/ingestion';
import { service as packageService } from '@dronedelivery/package';
import { type BaseConfig, type ServiceInstance, type ServiceManifest, sharedResources } from '@dronedelivery/service-kit';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { service as workflow } from '@dronedelivery/workflow';
import type { z } from 'zod';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, devToken } from '../scripts/dev-token.ts';
import { buildApp } from '../src/app.ts';
import { type Config, configSchema } from '../src/config.ts';

export const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
export const ISSUER = DEFAULT_ISSUER;
export const AUDIENCE = DEFAULT_AUDIENCE;
/** The workflow's operator token, which the gateway sends on its operator routes. */
export const WORKFLOW_TOKEN = 'workflow-operator-token-for-gateway-tests';

/** A token of the test's secret, issued two hours ago and valid for another hour. */
export async function token(
  claims: { sub?: string; roles?: string[]; owner_id?: string },
  options: { secret?: string; issuer?: string; audience?: string; expiresIn?: string } = {},
): Promise<string> {
  const roles = claims.roles ?? ['customer'];
  return devToken({
    ...options,
    secret: options.secret ?? SECRET,
    roles,
    ...(claims.owner_id ? { ownerId: claims.owner_id } : {}),
    subject: claims.sub ?? `user-${claims.owner_id ?? 'x'}-${roles.join('-')}`,
    issuedAt: Math.floor(Date.now() / 1000) - 7200,
    expiresIn: options.expiresIn ?? '1h',
  });
}

async function listen(app: ServiceInstance): Promise<string> {
  await startForInject(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

export interface Harness {
  gateway: ServiceInstance;
  services: Record<'ingestion' | 'delivery' | 'package' | 'dronescheduler' | 'workflow', ServiceInstance>;
  urls: Record<'ingestion' | 'delivery' | 'package' | 'dronescheduler' | 'workflow', string>;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<Config> = {}, urlOverrides: Partial<Harness['urls']> = {}): Promise<Harness> {
  const log = capturingLogger('gateway-test').log;
  // Each service from its manifest, with the in-memory adapters its default config picks.
  const shared = sharedResources();
  const build = <S extends z.ZodType<BaseConfig>>(unit: ServiceManifest<S>) =>
    unit.build({ config: { ...unit.configSchema.parse({}), ...testConfig() }, log, shared });
  const services = {
    ingestion: await build(ingestion),
    delivery: await build(delivery),
    package: await build(packageService),
    dronescheduler: await build(dronescheduler),
    // Its own (empty) queue: the gateway reads only its operator routes, and requests the
    // tests accept stay where they are, on ingestion's queue.
    workflow: await workflow.build({
      config: { ...workflow.configSchema.parse({}), ...testConfig(), WORKFLOW_ADMIN_TOKEN: WORKFLOW_TOKEN },
      log,
      shared: sharedResources(),
    }),
  };
  const urls = {
    ingestion: await listen(services.ingestion),
    delivery: await listen(services.delivery),
    package: await listen(services.package),
    dronescheduler: await listen(services.dronescheduler),
    workflow: await listen(services.workflow),
    ...urlOverrides,
  };
  const config: Config = {
    ...configSchema.parse({ JWT_SECRET: SECRET }),
    ...testConfig(),
    INGESTION_URL: urls.ingestion,
    DELIVERY_URL: urls.delivery,
    PACKAGE_URL: urls.package,
    DRONESCHEDULER_URL: urls.dronescheduler,
    WORKFLOW_URL: urls.workflow,
    WORKFLOW_ADMIN_TOKEN: WORKFLOW_TOKEN,
    UPSTREAM_RETRIES: 1,
    UPSTREAM_RETRY_BASE_DELAY_MS: 10,
    ...overrides,
  };
  const gateway = await startForInject(await buildApp({ config, log: capturingLogger('gateway').log }));
  return {
    gateway,
    services,
    urls,
    close: async () => {
      await gateway.close();
      for (const app of Object.values(services)) await app.close();
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
