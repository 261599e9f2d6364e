// The console as the rest of the system knows it: this package's public export.
import { defineService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';

export const service = defineService({
  name: 'console',
  version: packageJson.version,
  description: packageJson.description,
  folder: 'console',
  defaultPort: 8086,
  configSchema,
  build: ({ config, log }) => buildApp({ config, log }),
  adapters: (config) => ({ 'development tokens': config.DEV_TOKEN_SECRET ? 'on (DEV_TOKEN_SECRET)' : 'off' }),
});
