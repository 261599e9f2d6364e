// The settings every unit that talks to Redis reads, declared once. A module of its own, free
// of ioredis: every unit's configuration imports it, including units that run in memory.
import { z } from 'zod';

export const redisConnectionSchema = z.object({
  /** Redis or Azure Cache for Redis (`rediss://` for TLS). Unset: in memory (data lost on exit). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Password (the Azure Cache access key), kept out of the URL so it can come from a Secret file. */
  REDIS_PASSWORD: z.string().min(1).optional(),
  /**
   * `true` when REDIS_URL is a Redis Cluster (Azure Cache for Redis, clustered tier; OSS
   * cluster policy): commands are routed to the node that owns each key's hash slot.
   */
  REDIS_CLUSTER: z.enum(['true', 'false']).default('false'),
});

export type RedisConnectionConfig = z.infer<typeof redisConnectionSchema>;
