// Builds the package service from its dependencies; no side effects until it listens.
import { createServer, type Logger, type ServiceInstance } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config.ts';
import { registerRoutes } from './routes.ts';
import type { PackageStore } from './store/store.ts';

export interface PackageAppDependencies {
  config: Config;
  log: Logger;
  store: PackageStore;
  /** Source of "now" for creation times; tests pass a fixed clock. */
  clock?: () => Date;
}

export async function buildApp({ config, log, store, clock = () => new Date() }: PackageAppDependencies): Promise<ServiceInstance> {
  const app = await createServer({ name: 'package', version: packageJson.version, logger: log, config });
  app.health.addCheck({ name: 'store', check: (signal) => store.ping(signal) });
  app.lifecycle.onStartup('package store', () => store.start());
  app.lifecycle.onShutdown('package store', () => store.close());
  registerRoutes(app, store, clock);
  return app;
}
