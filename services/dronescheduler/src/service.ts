// The dronescheduler as the rest of the system knows it: this package's public export.
import { defineService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';
import { selectStore } from './store/select.ts';

export const service = defineService({
  name: 'dronescheduler',
  version: packageJson.version,
  description: packageJson.description,
  folder: 'services/dronescheduler',
  defaultPort: 8084,
  configSchema,
  build: async ({ config, log }) => buildApp({ config, log, store: await selectStore(config, log) }),
  adapters: (config) => ({ store: config.COSMOS_ENDPOINT ? 'Cosmos DB' : 'in memory' }),
});
