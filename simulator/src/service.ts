// The simulator as the rest of the system knows it: this package's public export.
import { defineService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';

export const service = defineService({
  name: 'simulator',
  version: packageJson.version,
  description: packageJson.description,
  folder: 'simulator',
  defaultPort: 8087,
  configSchema,
  build: ({ config, log }) => buildApp({ config, log }),
  adapters: () => ({ gateway: 'HTTP' }),
});
