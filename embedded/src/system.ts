// The whole system in one process: the gateway and the five services, each on its own
// port, calling each other over HTTP exactly as in production. Stores and the queue are in
// memory unless REDIS_URL, MONGODB_URL or COSMOS_ENDPOINT name real servers. This module is
// the composition root for that mode (and the end-to-end suite); it is the one place that
// imports every service.
import { randomBytes } from 'node:crypto';
import { buildApp as buildDelivery } from '@dronedelivery/delivery/src/app.ts';
import { configSchema as deliveryConfig } from '@dronedelivery/delivery/src/config.ts';
import { selectStore as selectDeliveryStore } from '@dronedelivery/delivery/src/store/select.ts';
import { buildApp as buildScheduler } from '@dronedelivery/dronescheduler/src/app.ts';
import { configSchema as schedulerConfig } from '@dronedelivery/dronescheduler/src/config.ts';
import { selectStore as selectSchedulerStore } from '@dronedelivery/dronescheduler/src/store/select.ts';
import { buildApp as buildGateway } from '@dronedelivery/gateway/src/app.ts';
import { configSchema as gatewayConfig } from '@dronedelivery/gateway/src/config.ts';
import { selectAcceptanceStore } from '@dronedelivery/ingestion/src/acceptances/select.ts';
import { buildApp as buildIngestion } from '@dronedelivery/ingestion/src/app.ts';
import { configSchema as ingestionConfig } from '@dronedelivery/ingestion/src/config.ts';
import { selectIdempotencyStore } from '@dronedelivery/ingestion/src/idempotency/select.ts';
import { buildApp as buildPackage } from '@dronedelivery/package/src/app.ts';
import { configSchema as packageConfig } from '@dronedelivery/package/src/config.ts';
import { selectStore as selectPackageStore } from '@dronedelivery/package/src/store/select.ts';
import { type DeliveryQueue, selectQueue } from '@dronedelivery/queue';
import { createLogger, type Logger, loadConfig, type ServiceInstance, startService } from '@dronedelivery/service-kit';
import { buildApp as buildWorkflow } from '@dronedelivery/workflow/src/app.ts';
import { configSchema as workflowConfig } from '@dronedelivery/workflow/src/config.ts';
import { SignJWT } from 'jose';
import type { z } from 'zod';

export type ServiceName = 'gateway' | 'ingestion' | 'delivery' | 'package' | 'dronescheduler' | 'workflow';

export const DEFAULT_PORTS: Record<ServiceName, number> = {
  gateway: 8080,
  ingestion: 8081,
  delivery: 8082,
  package: 8083,
  dronescheduler: 8084,
  workflow: 8085,
};

export interface SystemOptions {
  /** The environment to read (REDIS_URL, MONGODB_URL, COSMOS_ENDPOINT, LOG_LEVEL, …). */
  env: Record<string, string | undefined>;
  ports?: Partial<Record<ServiceName, number>>;
  host?: string;
  /** Where logs go; by default each service gets a logger of its own on stdout. */
  logFor?: (service: ServiceName) => Logger;
}

export interface RunningSystem {
  urls: Record<ServiceName, string>;
  apps: ServiceInstance[];
  /** The HS256 secret the gateway verifies with (generated unless JWT_SECRET is set). */
  jwtSecret: string;
  /** A signed token for `ownerId` with `roles`, valid for 12 hours. */
  token(roles: string[], ownerId?: string): Promise<string>;
  adapters: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const host = options.host ?? '127.0.0.1';
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const urls = Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, `http://${host}:${port}`])) as Record<
    ServiceName,
    string
  >;
  const jwtSecret = options.env.JWT_SECRET ?? randomBytes(32).toString('base64url');
  const logFor =
    options.logFor ?? ((service: ServiceName) => createLogger({ service, version: 'embedded', level: options.env.LOG_LEVEL ?? 'info' }));
  // One process, no load balancer in front: nothing to wait for before closing.
  const shared = {
    ...options.env,
    HOST: host,
    SHUTDOWN_DELAY_MS: '0',
    JWT_SECRET: jwtSecret,
    PACKAGE_URL: urls.package,
    DELIVERY_URL: urls.delivery,
    DRONESCHEDULER_URL: urls.dronescheduler,
    INGESTION_URL: urls.ingestion,
  };
  const configFor = <S extends z.ZodType>(service: ServiceName, schema: S): z.infer<S> =>
    loadConfig(service, schema, { ...shared, PORT: String(ports[service]) });

  const apps: ServiceInstance[] = [];
  const start = async <S extends z.ZodType>(
    service: ServiceName,
    schema: S,
    build: (config: z.infer<S>, log: Logger) => Promise<ServiceInstance>,
  ) => {
    const config = configFor(service, schema);
    const log = logFor(service);
    apps.push(
      await startService(
        { name: service, version: 'embedded', configSchema: schema as never, build: () => build(config, log) },
        config as never,
        log,
      ),
    );
  };
  try {
    await start('package', packageConfig, (config, log) => buildPackage({ config, log, store: selectPackageStore(config, log) }));
    await start('delivery', deliveryConfig, (config, log) => buildDelivery({ config, log, store: selectDeliveryStore(config, log) }));
    await start('dronescheduler', schedulerConfig, (config, log) =>
      buildScheduler({ config, log, store: selectSchedulerStore(config, log) }),
    );
    // Ingestion and the workflow share one queue: in memory, it must be the same object.
    const queueConfig = configFor('ingestion', ingestionConfig);
    const queue: DeliveryQueue = selectQueue(queueConfig, logFor('ingestion'));
    await start('ingestion', ingestionConfig, (config, log) =>
      buildIngestion({
        config,
        log,
        queue,
        idempotency: selectIdempotencyStore(config, log),
        acceptances: selectAcceptanceStore(config, log),
      }),
    );
    await start('workflow', workflowConfig, (config, log) =>
      buildWorkflow({ config, log, queue: config.REDIS_URL ? selectQueue(config, log) : queue }),
    );
    await start('gateway', gatewayConfig, (config, log) => buildGateway({ config, log }));
  } catch (error) {
    await Promise.allSettled(apps.map((app) => app.close()));
    throw error;
  }

  const gateway = loadConfig('gateway', gatewayConfig, { ...shared, PORT: String(ports.gateway) });
  return {
    urls,
    apps,
    jwtSecret,
    adapters: {
      package: options.env.MONGODB_URL ? 'MongoDB' : 'in memory',
      delivery: options.env.REDIS_URL ? 'Redis' : 'in memory',
      dronescheduler: options.env.COSMOS_ENDPOINT ? 'Cosmos DB' : 'in memory',
      queue: options.env.REDIS_URL ? 'BullMQ on Redis' : 'in memory',
    },
    token: (roles, ownerId) =>
      new SignJWT({ roles, ...(ownerId ? { owner_id: ownerId } : {}) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(`dev-${ownerId ?? roles.join('-')}`)
        .setIssuer(gateway.JWT_ISSUER)
        .setAudience(gateway.JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('12h')
        .sign(new TextEncoder().encode(jwtSecret)),
    // The gateway first, so no new work arrives while the rest drain.
    stop: async () => {
      for (const app of apps.toReversed()) await app.close();
    },
  };
}
