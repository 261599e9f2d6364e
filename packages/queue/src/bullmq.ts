// The delivery-request queue on Redis with BullMQ. Job id = message id, so a duplicate
// publish is dropped; retries use BullMQ's exponential backoff with jitter; the failed set
// (kept, never trimmed) is the dead-letter place, with each attempt logged on the job;
// a consumer that dies mid-job leaves a stalled job that another consumer takes over.
// BullMQ's keys carry the hash tag `{prefix}`, so a queue lives in one slot of a Redis Cluster.
import {
  connectRedis,
  createRedisClient,
  type RedisClient,
  type RedisSettings,
  translateRedisError,
  waitUntilConnected,
} from '@dronedelivery/redis';
import { Unavailable } from '@dronedelivery/service-kit';
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type {
  AttemptRecord,
  Consumer,
  DeadLetter,
  DeliveryQueue,
  MessageHandler,
  QueueCounts,
  QueueMessage,
  QueueSettings,
} from './queue.ts';
import { PermanentFailure, RetryLater } from './queue.ts';
import { inMessageContext, publishing } from './trace-context.ts';

export interface BullmqSettings extends QueueSettings {
  redis: Omit<RedisSettings, 'keyPrefix' | 'connectionName'>;
  /** Prefix of BullMQ's keys (used as their hash tag); several environments can share one Redis. */
  prefix: string;
  queueName: string;
  /** How long a consumer's lock on a job lasts without renewal: a dead consumer's job is retaken after about this long. */
  lockDurationMs: number;
  /** How often stalled jobs are looked for. */
  stalledIntervalMs: number;
  /** Times a job may stall (its consumer die) before it is failed rather than retaken. */
  maxStalledCount: number;
}

interface Logger {
  warn: (object: object, message: string) => void;
  error: (object: object, message: string) => void;
}

/** BullMQ forbids ":" in job ids; message ids use it ("d-1:cancel"), identifiers never use "~". */
const jobIdFor = (messageId: string) => messageId.replaceAll(':', '~');
/** BullMQ's prefix: the hash tag that keeps every key of the queue in one cluster slot, as BullMQ requires. */
export const bullmqPrefix = (prefix: string) => `{${prefix}}`;
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class BullmqQueue implements DeliveryQueue {
  private readonly settings: BullmqSettings;
  private readonly log: Logger;
  private readonly connection: RedisClient;
  private queueInstance: Queue<QueueMessage> | undefined;
  private readonly workers = new Set<Worker>();

  constructor(settings: BullmqSettings, log: Logger) {
    this.settings = settings;
    this.log = log;
    // Producer side fails fast while Redis is away, so ingestion can answer 503 at once.
    this.connection = createRedisClient({ ...settings.redis, connectionName: 'dronedelivery-queue-producer' }, log);
  }

  /**
   * The BullMQ queue, created on first use once the connection is up: a Queue whose first
   * connection attempt fails stays broken for good, even after Redis comes back.
   */
  private get queue(): Queue<QueueMessage> {
    if (this.queueInstance) return this.queueInstance;
    if (this.connection.status !== 'ready') {
      if (this.connection.status === 'wait') this.connection.connect().catch(() => undefined);
      throw new Unavailable('The delivery-request queue cannot be reached; retry shortly.', 2);
    }
    this.queueInstance = new Queue<QueueMessage>(this.settings.queueName, {
      connection: this.connection,
      prefix: bullmqPrefix(this.settings.prefix),
      defaultJobOptions: {
        attempts: this.settings.maxAttempts,
        backoff: { type: 'exponential', delay: this.settings.backoffMs, jitter: 0.5 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: false,
      },
    });
    this.queueInstance.on('error', (error) => this.log.warn({ err: error.message }, 'queue error'));
    return this.queueInstance;
  }

  async publish(message: QueueMessage): Promise<void> {
    try {
      await publishing(this.settings.queueName, message, async (traced) => {
        await this.queue.add(traced.type, traced, { jobId: jobIdFor(traced.messageId) });
      });
    } catch (error) {
      throw translateRedisError(error, 'delivery-request queue');
    }
  }

  consume(handler: MessageHandler, options: { concurrency: number }): Consumer {
    const { settings } = this;
    // Workers block on Redis and must wait through reconnections: BullMQ requires these two options.
    const connection = connectRedis(
      { ...settings.redis, connectionName: 'dronedelivery-queue-consumer' },
      { enableOfflineQueue: true, maxRetriesPerRequest: null },
    );
    connection.connect().catch(() => undefined);
    const worker = new Worker<QueueMessage>(settings.queueName, (job, token) => this.process(job, token, handler), {
      connection,
      prefix: bullmqPrefix(settings.prefix),
      concurrency: options.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
    });
    worker.on('error', (error) => this.log.warn({ err: error.message }, 'queue consumer error'));
    worker.on('failed', (job, error) => {
      if (job && (job.attemptsMade >= settings.maxAttempts || error instanceof UnrecoverableError)) {
        this.log.error(
          { messageId: job.data.messageId, type: job.data.type, reason: error.message, attempts: job.attemptsMade },
          'message dead-lettered',
        );
      }
    });
    this.workers.add(worker);
    return {
      close: async () => {
        this.workers.delete(worker);
        await worker.close();
        await connection.quit().catch(() => connection.disconnect());
      },
    };
  }

  private async process(job: Job<QueueMessage>, token: string | undefined, handler: MessageHandler): Promise<void> {
    const attempt = job.attemptsMade + 1;
    try {
      await inMessageContext(this.settings.queueName, job.data, () =>
        handler(job.data, { attempt, maxAttempts: this.settings.maxAttempts }),
      );
    } catch (error) {
      if (error instanceof RetryLater) {
        // Back on the delayed set without using up an attempt.
        await job.moveToDelayed(Date.now() + error.delayMs, token);
        throw new DelayedError();
      }
      const record: AttemptRecord = { attempt, at: new Date().toISOString(), error: errorText(error) };
      await job.log(JSON.stringify(record));
      // The consumer's own limit is final, whatever attempts the publisher set on the job.
      if (error instanceof PermanentFailure || attempt >= this.settings.maxAttempts) throw new UnrecoverableError(errorText(error));
      throw error;
    }
  }

  async counts(): Promise<QueueCounts> {
    try {
      const counts = await this.queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
      return {
        waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        deadLettered: counts.failed ?? 0,
      };
    } catch (error) {
      throw translateRedisError(error, 'delivery-request queue');
    }
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const jobs = (await this.queue.getFailed(0, Math.max(0, limit - 1))).filter(Boolean) as Job<QueueMessage>[];
    return Promise.all(
      jobs.map(async (job) => {
        const { logs } = await this.queue.getJobLogs(String(job.id), 0, -1, true);
        return {
          message: job.data,
          reason: job.failedReason,
          attempts: logs.map((line) => JSON.parse(line) as AttemptRecord),
          deadAt: new Date(job.finishedOn ?? Date.now()).toISOString(),
        };
      }),
    );
  }

  async redrive(messageId?: string): Promise<number> {
    const jobs = messageId === undefined ? await this.queue.getFailed(0, -1) : [await this.queue.getJob(jobIdFor(messageId))];
    let count = 0;
    for (const job of jobs) {
      if (!job || !(await job.isFailed())) continue;
      // The redrive time starts the message's budget of time again (see QueueMessage.redrivenAt).
      await (job as Job<Record<string, unknown>>).updateData({ ...job.data, redrivenAt: new Date().toISOString() });
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      count += 1;
    }
    return count;
  }

  async wakeNext(): Promise<boolean> {
    try {
      // Another consumer may take the same job first: then it is no longer delayed, try the next.
      for (let tries = 0; tries < 3; tries += 1) {
        const [job] = await this.queue.getDelayed(0, 0);
        if (!job) return false;
        try {
          await job.promote();
          return true;
        } catch (error) {
          if (await job.isDelayed()) throw error;
        }
      }
      return false;
    } catch (error) {
      throw translateRedisError(error, 'delivery-request queue');
    }
  }

  async ping(): Promise<void> {
    await waitUntilConnected(this.connection, 0);
  }

  async ready(): Promise<void> {
    await waitUntilConnected(this.connection);
    await this.queue.waitUntilReady();
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.close()));
    await this.queueInstance?.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
