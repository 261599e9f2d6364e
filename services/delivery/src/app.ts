// Builds the delivery service from its dependencies; no side effects until it listens.
import { createServer, type Logger, type ServiceInstance } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config.ts';
import { registerRoutes } from './routes.ts';
import type { DeliveryStore } from './store/store.ts';

export interface DeliveryAppDependencies {
  config: Config;
  log: Logger;
  store: DeliveryStore;
  /** Source of "now": stages and locations are computed from it. Tests pass their own. */
  clock?: () => Date;
}

export async function buildApp({ config, log, store, clock = () => new Date() }: DeliveryAppDependencies): Promise<ServiceInstance> {
  const app = await createServer({ name: 'delivery', version: packageJson.version, logger: log, config });
  app.health.addCheck({ name: 'store', check: (signal) => store.ping(signal) });
  app.lifecycle.onStartup('delivery store', () => store.start());
  app.lifecycle.onShutdown('delivery store', () => store.close());
  registerRoutes(app, { store, clock, retentionMs: config.DELIVERY_RETENTION_SECONDS * 1000 });
  return app;
}
