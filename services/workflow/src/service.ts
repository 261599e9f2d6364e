// The workflow as the rest of the system knows it: this package's public export.
import { selectQueue } from '@dronedelivery/queue';
import { defineService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';

export const service = defineService({
  name: 'workflow',
  version: packageJson.version,
  description: packageJson.description,
  folder: 'services/workflow',
  defaultPort: 8085,
  configSchema,
  build: async ({ config, log, shared }) => buildApp({ config, log, queue: await selectQueue(config, log, shared) }),
  adapters: (config) => ({ queue: config.REDIS_URL ? 'BullMQ on Redis' : 'in memory' }),
});
