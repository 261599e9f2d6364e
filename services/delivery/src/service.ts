// The delivery service as the rest of the system knows it: this package's public export.
import { defineService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';
import { selectStore } from './store/select.ts';

export const service = defineService({
  name: 'delivery',
  version: packageJson.version,
  description: packageJson.description,
  folder: 'services/delivery',
  defaultPort: 8082,
  configSchema,
  build: async ({ config, log }) => buildApp({ config, log, store: await selectStore(config, log) }),
  adapters: (config) => ({ store: config.REDIS_URL ? 'Redis' : 'in memory' }),
});
