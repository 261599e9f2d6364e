// The package service's settings, read once from the environment.
import { baseConfigSchema } from '@dronedelivery/service-kit';
import { z } from 'zod';

const count = z.coerce.number().int().min(0);

export const configSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8083),
  /** MongoDB or Azure Cosmos DB for MongoDB. Unset: an in-memory store (data is lost on exit). */
  MONGODB_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string')
    .optional(),
  MONGODB_DATABASE: z.string().min(1).default('package'),
  MONGODB_MAX_POOL_SIZE: count.min(1).default(20),
  MONGODB_MIN_POOL_SIZE: count.default(0),
  /** How long an operation waits for a usable server before failing with 503. */
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: count.min(100).default(5_000),
  /** Start-up connection attempts, with exponential backoff from MONGODB_CONNECT_BACKOFF_MS. */
  MONGODB_CONNECT_ATTEMPTS: count.min(1).default(10),
  MONGODB_CONNECT_BACKOFF_MS: count.default(500),
});

export type Config = z.infer<typeof configSchema>;
