// The delivery service's settings, read once from the environment.
import { redisConnectionSchema } from '@dronedelivery/redis/config';
import { baseConfigSchema } from '@dronedelivery/service-kit';
import { z } from 'zod';

const count = z.coerce.number().int().min(0);

export const configSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  /** REDIS_URL unset: an in-memory store (data lost on exit). */
  ...redisConnectionSchema.shape,
  /** Prepended to every key, so several environments can share one Redis; no braces (they would change the hash slot). */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[^{}]*$/, 'must not contain { or }')
    .default(''),
  REDIS_COMMAND_TIMEOUT_MS: count.min(50).default(2_000),
  REDIS_CONNECT_ATTEMPTS: count.min(1).default(10),
  REDIS_CONNECT_BACKOFF_MS: count.default(500),
  /** How long completed and cancelled deliveries are kept (7 days). */
  DELIVERY_RETENTION_SECONDS: count.min(1).default(7 * 24 * 3600),
  /** How long the per-owner monthly index behind the summary is kept (about 13 months). */
  SUMMARY_RETENTION_DAYS: count.min(1).default(400),
  /** Approximate cap on the outbound notifications stream. */
  NOTIFICATIONS_STREAM_MAX_LENGTH: count.min(100).default(100_000),
});

export type Config = z.infer<typeof configSchema>;
