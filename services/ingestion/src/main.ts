// Process entry point of the ingestion service.
import { selectQueue } from '@dronedelivery/queue';
import { runService } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';
import { MemoryIdempotencyStore } from './idempotency/memory.ts';
import { RedisIdempotencyStore } from './idempotency/redis.ts';

await runService({
  name: 'ingestion',
  version: packageJson.version,
  configSchema,
  build: ({ config, log }) =>
    buildApp({
      config,
      log,
      queue: selectQueue(config, log),
      idempotency: config.REDIS_URL
        ? new RedisIdempotencyStore(
            { url: config.REDIS_URL, password: config.REDIS_PASSWORD, keyPrefix: `${config.QUEUE_PREFIX}:idempotency:` },
            log,
          )
        : new MemoryIdempotencyStore(),
    }),
});
