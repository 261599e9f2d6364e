// Process entry point of the ingestion service.
import { selectQueue } from '@dronedelivery/queue';
import { runService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { selectAcceptanceStore } from './acceptances/select.ts';
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';
import { selectIdempotencyStore } from './idempotency/select.ts';

await runService({
  name: 'ingestion',
  version: packageJson.version,
  configSchema,
  build: ({ config, log }) =>
    buildApp({
      config,
      log,
      queue: selectQueue(config, log),
      idempotency: selectIdempotencyStore(config, log),
      acceptances: selectAcceptanceStore(config, log),
    }),
});
