// Builds the ingestion service from its dependencies; no side effects until it listens.
import type { DeliveryQueue } from '@dronedelivery/queue';
import { connectWithRetry, createServer, type Logger, type ServiceInstance } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import type { AcceptanceStore } from './acceptances/store.ts';
import type { Config } from './config.ts';
import type { IdempotencyStore } from './idempotency/store.ts';
import { registerRoutes } from './routes.ts';

export interface IngestionAppDependencies {
  config: Config;
  log: Logger;
  queue: DeliveryQueue;
  idempotency: IdempotencyStore;
  acceptances: AcceptanceStore;
  clock?: () => Date;
}

export async function buildApp({
  config,
  log,
  queue,
  idempotency,
  acceptances,
  clock = () => new Date(),
}: IngestionAppDependencies): Promise<ServiceInstance> {
  const app = await createServer({ name: 'ingestion', version: packageJson.version, logger: log, config });
  app.health.addCheck({ name: 'queue', check: () => queue.ping() });
  app.health.addCheck({ name: 'idempotency-store', check: () => idempotency.ping() });
  app.health.addCheck({ name: 'acceptance-store', check: () => acceptances.ping() });
  app.lifecycle.onStartup('delivery-request queue', () =>
    connectWithRetry(() => queue.ready(), { name: 'the queue Redis', attempts: config.QUEUE_CONNECT_ATTEMPTS, initialDelayMs: 500, log }),
  );
  app.lifecycle.onStartup('idempotency store', () =>
    connectWithRetry(() => idempotency.ready(), {
      name: 'the idempotency Redis',
      attempts: config.QUEUE_CONNECT_ATTEMPTS,
      initialDelayMs: 500,
      log,
    }),
  );
  app.lifecycle.onStartup('acceptance store', () =>
    connectWithRetry(() => acceptances.ready(), {
      name: 'the acceptance Redis',
      attempts: config.QUEUE_CONNECT_ATTEMPTS,
      initialDelayMs: 500,
      log,
    }),
  );
  app.lifecycle.onShutdown('delivery-request queue', () => queue.close());
  app.lifecycle.onShutdown('acceptance store', () => acceptances.close());
  app.lifecycle.onShutdown('idempotency store', () => idempotency.close());
  registerRoutes(app, {
    queue,
    idempotency,
    acceptances,
    area: config.SERVICE_AREA,
    idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    acceptanceTtlSeconds: config.ACCEPTANCE_TTL_SECONDS,
    clock,
  });
  return app;
}
