// The workflow's settings, read once from the environment. Every resilience knob has a
// documented variable; the Helm chart sets exactly these names.
import { queueConfigSchema } from '@dronedelivery/queue';
import { baseConfigSchema, httpClientConfigSchema } from '@dronedelivery/service-kit';
import { z } from 'zod';

export const configSchema = baseConfigSchema.extend({
  ...queueConfigSchema.shape,
  ...httpClientConfigSchema.shape,
  /** Operations only: probes, metrics and the dead-letter endpoints. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8085),
  PACKAGE_URL: z.url().default('http://127.0.0.1:8083'),
  DELIVERY_URL: z.url().default('http://127.0.0.1:8082'),
  DRONESCHEDULER_URL: z.url().default('http://127.0.0.1:8084'),
  /** Messages processed at once by this replica. */
  WORKFLOW_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(16),
  /** Liveness fails when messages wait but none has been taken for this long. */
  WORKFLOW_STALL_SECONDS: z.coerce.number().int().min(1).default(120),
  /**
   * How long a delivery may wait for a capable drone to be free before it is Rejected
   * (no-drone-available). Waiting costs no attempt; the message comes back when a drone is expected.
   */
  WORKFLOW_MAX_DRONE_WAIT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(6 * 3600),
  /**
   * How long a message may keep being put off because a backend is down for everyone (its
   * circuit open) before it is dead-lettered for an operator to re-drive.
   */
  WORKFLOW_MAX_RETRY_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** The longest pause between two tries of a waiting message. */
  WORKFLOW_MAX_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).default(300),
  /** Bearer token for the dead-letter endpoints; unset, they are disabled. From a Secret. */
  WORKFLOW_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export type Config = z.infer<typeof configSchema>;
