// The queue's settings and adapter choice, shared by ingestion (producer) and workflow
// (consumer) so both read the same variables.
import { redisConnectionSchema } from '@dronedelivery/redis/config';
import { z } from 'zod';
import { MemoryQueue } from './memory.ts';
import type { DeliveryQueue } from './queue.ts';

const count = z.coerce.number().int().min(0);

export const queueConfigSchema = z.object({
  /** Redis for the queue. REDIS_URL unset: in memory (embedded mode, one process, lost on exit). */
  ...redisConnectionSchema.shape,
  /** BullMQ's keys are `{<QUEUE_PREFIX>}:<QUEUE_NAME>:…`: one hash tag, so one cluster slot, as BullMQ requires. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[^{}:]+$/, 'must not be empty or contain {, } or :')
    .default('dronedelivery'),
  QUEUE_NAME: z.string().min(1).default('delivery-requests'),
  /** Tries per message, the first included, before it is dead-lettered. */
  QUEUE_MAX_ATTEMPTS: count.min(1).default(8),
  /** Tries to reach the queue's Redis at start-up (backing off from 0.5 s) before the service gives up. */
  QUEUE_CONNECT_ATTEMPTS: count.min(1).default(10),
  /** First retry delay; doubled each time, with jitter. */
  QUEUE_BACKOFF_MS: count.min(1).default(1_000),
  /** A consumer that stops renewing its lock this long is presumed dead; its job is taken over. */
  QUEUE_LOCK_DURATION_MS: count.min(100).default(30_000),
  QUEUE_STALLED_INTERVAL_MS: count.min(100).default(15_000),
  /** Times a job may lose its consumer before it is dead-lettered. */
  QUEUE_MAX_STALLED_COUNT: count.min(1).default(2),
});

export type QueueConfig = z.infer<typeof queueConfigSchema>;

interface Logger {
  info: (object: object, message: string) => void;
  warn: (object: object, message: string) => void;
  error: (object: object, message: string) => void;
}

/**
 * BullMQ on Redis when REDIS_URL is set, memory otherwise. Services started in one process
 * pass their shared resources, so that producer and consumer meet on the same memory queue.
 * BullMQ and ioredis are loaded only when REDIS_URL selects them: a queue in memory never uses them.
 */
export async function selectQueue(
  config: QueueConfig,
  log: Logger,
  shared?: { get<T>(key: string, create: () => T): T },
): Promise<DeliveryQueue> {
  // The registry keeps the promise, so a second service awaits the same queue as the first.
  if (!config.REDIS_URL && shared) return shared.get('delivery-request-queue', () => createQueue(config, log));
  return createQueue(config, log);
}

async function createQueue(config: QueueConfig, log: Logger): Promise<DeliveryQueue> {
  const settings = { maxAttempts: config.QUEUE_MAX_ATTEMPTS, backoffMs: config.QUEUE_BACKOFF_MS };
  if (!config.REDIS_URL) {
    log.warn(
      { queue: 'memory' },
      'delivery-request queue: in memory (REDIS_URL is not set); queued messages are lost when the process exits',
    );
    return new MemoryQueue(settings);
  }
  log.info({ queue: 'bullmq', name: config.QUEUE_NAME }, 'delivery-request queue: BullMQ on Redis');
  const { BullmqQueue } = await import('./bullmq.ts');
  return new BullmqQueue(
    {
      ...settings,
      redis: { url: config.REDIS_URL, password: config.REDIS_PASSWORD, cluster: config.REDIS_CLUSTER === 'true' },
      prefix: config.QUEUE_PREFIX,
      queueName: config.QUEUE_NAME,
      lockDurationMs: config.QUEUE_LOCK_DURATION_MS,
      stalledIntervalMs: config.QUEUE_STALLED_INTERVAL_MS,
      maxStalledCount: config.QUEUE_MAX_STALLED_COUNT,
    },
    log,
  );
}
