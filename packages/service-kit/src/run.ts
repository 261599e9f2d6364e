// Starting a service: configuration, logger, the app, listening, start-up tasks, and
// graceful shutdown. A service's main.ts is one call to runService.
import type { z } from 'zod';
import { type BaseConfig, loadConfigOrExit } from './config.ts';
import { createLogger, flushLogs, type Logger } from './logger.ts';
import type { ServiceInstance } from './server.ts';
import { exitGracefullyOnSignals } from './shutdown.ts';

/**
 * Resources that services started in one process share (the in-memory queue between
 * ingestion and the workflow): the first service to ask creates it, the others get the same
 * object. A service in a process of its own gets a registry of its own.
 */
export interface SharedResources {
  get<T>(key: string, create: () => T): T;
}

export function sharedResources(): SharedResources {
  const resources = new Map<string, unknown>();
  return {
    get<T>(key: string, create: () => T): T {
      if (!resources.has(key)) resources.set(key, create());
      return resources.get(key) as T;
    },
  };
}

export interface BuildContext<S extends z.ZodType<BaseConfig>> {
  config: z.infer<S>;
  log: Logger;
  shared: SharedResources;
}

export interface ServiceDefinition<S extends z.ZodType<BaseConfig>> {
  name: string;
  version: string;
  configSchema: S;
  /** Builds the app from its configuration: adapters, routes, checks. No listening. */
  build: (context: BuildContext<S>) => ServiceInstance | Promise<ServiceInstance>;
}

/**
 * What the rest of the system knows about a service: its package's public export. The list of
 * the system's units is built from these (embedded start, test fleets, charts, compose, CI).
 */
export interface ServiceManifest<S extends z.ZodType<BaseConfig> = z.ZodType<BaseConfig>, N extends string = string>
  extends ServiceDefinition<S> {
  name: N;
  description: string;
  /** The unit's folder, from the repository root: its image's source and its pipeline's trigger. */
  folder: string;
  /** The port it listens on unless PORT says otherwise (its config schema's default). */
  defaultPort: number;
  /** The adapter behind each of its ports for a configuration, in words ("store" → "MongoDB"). */
  adapters: (config: z.infer<S>) => Record<string, string>;
}

/** Declares a service's manifest, keeping its name's literal type. */
export function defineService<S extends z.ZodType<BaseConfig>, const N extends string>(
  manifest: ServiceManifest<S, N>,
): ServiceManifest<S, N> {
  return manifest;
}

/** Builds, listens, runs start-up tasks and marks the app started. */
export async function startService<S extends z.ZodType<BaseConfig>>(
  definition: ServiceDefinition<S>,
  config: z.infer<S>,
  log: Logger,
  shared: SharedResources = sharedResources(),
): Promise<ServiceInstance> {
  const app = await definition.build({ config, log, shared });
  await app.listen({ host: config.HOST, port: config.PORT });
  await app.lifecycle.start(app.log);
  app.health.markStarted();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  app.log.info({ host: config.HOST, port }, `${definition.name} started`);
  return app;
}

/** Process entry point for one service: reads the environment, starts, exits cleanly on SIGTERM. */
export async function runService<S extends z.ZodType<BaseConfig>>(definition: ServiceDefinition<S>): Promise<ServiceInstance> {
  const config = loadConfigOrExit(definition.name, definition.configSchema);
  const log = createLogger({ service: definition.name, version: definition.version, level: config.LOG_LEVEL });
  try {
    const app = await startService(definition, config, log);
    exitGracefullyOnSignals([app], config);
    return app;
  } catch (error) {
    log.fatal({ err: error }, `${definition.name} failed to start`);
    await flushLogs(1_000);
    process.exit(1);
  }
}
