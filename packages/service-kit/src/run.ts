// Starting a service: configuration, logger, the app, listening, start-up tasks, and
// graceful shutdown. A service's main.ts is one call to runService.
import type { z } from 'zod';
import { type BaseConfig, loadConfigOrExit } from './config.ts';
import { createLogger, flushLogs, type Logger } from './logger.ts';
import type { ServiceInstance } from './server.ts';
import { exitGracefullyOnSignals } from './shutdown.ts';

export interface ServiceDefinition<S extends z.ZodType<BaseConfig>> {
  name: string;
  version: string;
  configSchema: S;
  /** Builds the app from its configuration: adapters, routes, checks. No listening. */
  build: (context: { config: z.infer<S>; log: Logger }) => ServiceInstance | Promise<ServiceInstance>;
}

/** Builds, listens, runs start-up tasks and marks the app started. */
export async function startService<S extends z.ZodType<BaseConfig>>(
  definition: ServiceDefinition<S>,
  config: z.infer<S>,
  log: Logger,
): Promise<ServiceInstance> {
  const app = await definition.build({ config, log });
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
