// Ingestion as the rest of the system knows it: this package's public export.
import { selectQueue } from '@dronedelivery/queue';
import { defineService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { selectAcceptanceStore } from './acceptances/select.ts';
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';
import { selectIdempotencyStore } from './idempotency/select.ts';

export const service = defineService({
  name: 'ingestion',
  version: packageJson.version,
  description: packageJson.description,
  folder: 'services/ingestion',
  defaultPort: 8081,
  configSchema,
  build: async ({ config, log, shared }) =>
    buildApp({
      config,
      log,
      queue: await selectQueue(config, log, shared),
      idempotency: await selectIdempotencyStore(config, log),
      acceptances: await selectAcceptanceStore(config, log),
    }),
  adapters: (config) => ({
    queue: config.REDIS_URL ? 'BullMQ on Redis' : 'in memory',
    'idempotency and acceptances': config.REDIS_URL ? 'Redis' : 'in memory',
  }),
});
