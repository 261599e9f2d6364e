// The ingestion service's settings, read once from the environment.
import { serviceAreaSetting } from '@dronedelivery/geo';
import { queueConfigSchema } from '@dronedelivery/queue';
import { baseConfigSchema } from '@dronedelivery/service-kit';
import { z } from 'zod';

export const configSchema = baseConfigSchema.extend({
  ...queueConfigSchema.shape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** How long an Idempotency-Key is remembered (in the queue's Redis, or in memory). */
  IDEMPOTENCY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 3600),
  /**
   * How long ingestion remembers who asked for a delivery: the owner of a request still on
   * the queue (or dead-lettered, until an operator re-drives it) is known from this record.
   */
  ACCEPTANCE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  /** Where address labels are placed: "south,west,north,east" in degrees. */
  SERVICE_AREA: serviceAreaSetting,
});

export type Config = z.infer<typeof configSchema>;
