// Process entry point of the gateway.
import { runService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';

await runService({
  name: 'gateway',
  version: packageJson.version,
  configSchema,
  build: ({ config, log }) => buildApp({ config, log }),
});
