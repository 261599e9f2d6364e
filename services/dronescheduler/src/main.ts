// Process entry point of the dronescheduler.
import { runService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';
import { selectStore } from './store/select.ts';

await runService({
  name: 'dronescheduler',
  version: packageJson.version,
  configSchema,
  build: ({ config, log }) => buildApp({ config, log, store: selectStore(config, log) }),
});
