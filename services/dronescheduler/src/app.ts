// Builds the dronescheduler from its dependencies; no side effects until it listens.
import { createServer, type Logger, type ServiceInstance } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config.ts';
import { FleetOperations } from './fleet-operations.ts';
import { registerRoutes } from './routes.ts';
import { Scheduler } from './scheduler.ts';
import type { SchedulerStore } from './store/store.ts';

export interface SchedulerAppDependencies {
  config: Config;
  log: Logger;
  store: SchedulerStore;
  /** Source of "now": plans start from it. Tests pass their own. */
  clock?: () => Date;
}

export async function buildApp({ config, log, store, clock = () => new Date() }: SchedulerAppDependencies): Promise<ServiceInstance> {
  const app = await createServer({ name: 'dronescheduler', version: packageJson.version, logger: log, config });
  // Asked of the store rather than of its class, so that this module never loads the Cosmos DB SDK.
  if (store.onRequestCharge) {
    const charge = app.metrics.counter({
      name: 'cosmos_request_units_total',
      help: 'Request units (RU) consumed in Cosmos DB, by operation.',
      labelNames: ['operation'],
    });
    store.onRequestCharge((operation, requestUnits) => charge.inc({ operation }, requestUnits));
  }
  app.health.addCheck({ name: 'store', check: (signal) => store.ping(signal) });
  app.lifecycle.onStartup('drone store and fleet', () => store.start(config.FLEET_JSON));
  app.lifecycle.onShutdown('drone store', () => store.close());
  registerRoutes(
    app,
    new Scheduler(store, config.FLEET_JSON, config.SERVICE_AREA, clock, { simulationSpeed: config.SIMULATION_SPEED }),
    new FleetOperations(store, clock),
  );
  return app;
}
