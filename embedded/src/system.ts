// The whole system in one process: the gateway, the five services, the web console and the
// drone-fleet simulator, each on its own port, calling each other over HTTP exactly as in
// production. Stores and the queue are in
// memory unless REDIS_URL, MONGODB_URL or COSMOS_ENDPOINT name real servers. This module is
// the composition root for that mode (and the end-to-end suite): it starts the system's
// units (@dronedelivery/system) in their order, each from its manifest.
import { randomBytes } from 'node:crypto';
import { devToken } from '@dronedelivery/gateway/dev-token';
import { createLogger, type Logger, loadConfig, type ServiceInstance, sharedResources, startService } from '@dronedelivery/service-kit';
import { DEFAULT_PORTS, UNITS, type UnitName, urlVariable } from '@dronedelivery/system';

export type ServiceName = UnitName;
export { DEFAULT_PORTS };

export interface SystemOptions {
  /** The environment to read (REDIS_URL, MONGODB_URL, COSMOS_ENDPOINT, LOG_LEVEL, …). */
  env: Record<string, string | undefined>;
  ports?: Partial<Record<ServiceName, number>>;
  host?: string;
  /** Where logs go; by default each service gets a logger of its own on stdout. */
  logFor?: (service: ServiceName) => Logger;
  /** Units left out (a test that confirms its own deliveries leaves out the simulator). */
  without?: readonly ServiceName[];
  /** Settings for one unit only, over `env` (say, a workflow whose backend is down). */
  envFor?: Partial<Record<ServiceName, Record<string, string>>>;
}

export interface RunningSystem {
  /** Where each unit started listens (a unit left out by `without` has none). */
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
  const units = UNITS.filter((unit) => !options.without?.includes(unit.name));
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
    // One token, shared by the workflow and the gateway: operators reach the dead letters
    // through the gateway's API, and nothing else knows it.
    WORKFLOW_ADMIN_TOKEN: options.env.WORKFLOW_ADMIN_TOKEN ?? randomBytes(24).toString('base64url'),
    // Development only, as this whole mode is: the console signs sign-in tokens with the gateway's secret.
    DEV_TOKEN_SECRET: jwtSecret,
    ...Object.fromEntries(UNITS.map((unit) => [urlVariable(unit.name), urls[unit.name]])),
  };
  const configs = {} as Record<ServiceName, unknown>;
  for (const unit of units)
    configs[unit.name] = loadConfig(unit.name, unit.configSchema, {
      ...shared,
      ...options.envFor?.[unit.name],
      PORT: String(ports[unit.name]),
    });

  const apps: ServiceInstance[] = [];
  // In one process the in-memory queue is one object, shared by its producer and consumer.
  const resources = sharedResources();
  try {
    for (const unit of units) {
      const config = configs[unit.name] as never;
      apps.push(await startService(unit as never, config, logFor(unit.name), resources));
    }
  } catch (error) {
    await Promise.allSettled(apps.map((app) => app.close()));
    throw error;
  }

  const gateway = configs.gateway as { JWT_ISSUER: string; JWT_AUDIENCE: string };
  return {
    urls: Object.fromEntries(units.map((unit) => [unit.name, urls[unit.name]])) as Record<ServiceName, string>,
    apps,
    jwtSecret,
    adapters: Object.fromEntries(
      units.flatMap((unit) =>
        Object.entries((unit.adapters as (config: unknown) => Record<string, string>)(configs[unit.name])).map(([port, adapter]) => [
          `${unit.name} ${port}`,
          adapter,
        ]),
      ),
    ),
    token: (roles, ownerId) =>
      devToken({ secret: jwtSecret, roles, ...(ownerId ? { ownerId } : {}), issuer: gateway.JWT_ISSUER, audience: gateway.JWT_AUDIENCE }),
    // The gateway first, so no new work arrives while the rest drain.
    stop: async () => {
      for (const app of apps.toReversed()) await app.close();
    },
  };
}
