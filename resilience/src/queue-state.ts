// Where a delivery message is in the BullMQ queue, read straight from the queue's Redis
// (the suite owns it): waiting, active, delayed, finished or absent, with its attempts and
// last error. The reconciliation uses it to tell "still being worked on" from "stuck".
import { bullmqPrefix } from '@dronedelivery/queue/bullmq';
import { Redis } from '@dronedelivery/redis';

export type JobLocation = 'waiting' | 'prioritized' | 'active' | 'delayed' | 'completed' | 'failed' | 'absent';

export interface JobState {
  location: JobLocation;
  /** Tries that ended in an error (BullMQ "atm"); a RetryLater does not count. */
  attemptsMade: number;
  /** Times a worker took the message (BullMQ "ats"), RetryLater round trips included. */
  attemptsStarted: number;
  /** Times the message lost its worker (lock expired) and was taken back. */
  stalledCounter: number;
  /** For a delayed message: when it becomes due again (epoch ms). */
  dueAt?: number;
  /** The last error: the workflow's attempt log, else BullMQ's failedReason. */
  lastError?: string;
  /** When a worker last took it (epoch ms). */
  processedOn?: number;
}

/** BullMQ forbids ":" in job ids; the queue adapter maps the message id "<deliveryId>:delivery" so. */
export const deliveryJobId = (deliveryId: string) => `${deliveryId}~delivery`;

export class QueueInspector {
  private readonly redis: Redis;
  private readonly base: string;

  constructor(redisUrl: string, prefix: string, queueName = 'delivery-requests') {
    this.redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.redis.on('error', () => {}); // the queue's Redis may be down in a scenario; inspect() then rejects
    this.base = `${bullmqPrefix(prefix)}:${queueName}`;
  }

  /** The state of each delivery's message. One round of reads for the sets, one pipeline for the jobs. */
  async inspect(deliveryIds: string[]): Promise<Map<string, JobState>> {
    // Resp2 replies (flat arrays) are what this connection speaks; the typings also allow Resp3.
    const [waiting, active, delayed, prioritized, completed, failed] = (await Promise.all([
      this.redis.lrange(`${this.base}:wait`, 0, -1),
      this.redis.lrange(`${this.base}:active`, 0, -1),
      this.redis.zrange(`${this.base}:delayed`, 0, '-1', 'WITHSCORES'),
      this.redis.zrange(`${this.base}:prioritized`, 0, '-1'),
      this.redis.zrange(`${this.base}:completed`, 0, '-1'),
      this.redis.zrange(`${this.base}:failed`, 0, '-1'),
    ])) as string[][] as [string[], string[], string[], string[], string[], string[]];
    const location = new Map<string, JobLocation>();
    const dueAt = new Map<string, number>();
    for (const id of completed) location.set(id, 'completed');
    for (const id of failed) location.set(id, 'failed');
    for (let index = 0; index < delayed.length; index += 2) {
      const id = delayed[index] as string;
      location.set(id, 'delayed');
      // BullMQ scores a delayed job as dueAt * 4096 + a counter.
      dueAt.set(id, Math.floor(Number(delayed[index + 1]) / 0x1000));
    }
    for (const id of prioritized) location.set(id, 'prioritized');
    for (const id of waiting) location.set(id, 'waiting');
    for (const id of active) location.set(id, 'active');

    const pipeline = this.redis.pipeline();
    for (const deliveryId of deliveryIds) {
      const key = `${this.base}:${deliveryJobId(deliveryId)}`;
      pipeline.hmget(key, 'atm', 'ats', 'stc', 'failedReason', 'processedOn');
      pipeline.lrange(`${key}:logs`, -1, -1);
    }
    const replies = (await pipeline.exec()) ?? [];
    const states = new Map<string, JobState>();
    deliveryIds.forEach((deliveryId, index) => {
      const jobId = deliveryJobId(deliveryId);
      const [atm, ats, stc, failedReason, processedOn] = (replies[index * 2]?.[1] ?? []) as (string | null)[];
      const [lastLog] = (replies[index * 2 + 1]?.[1] ?? []) as string[];
      const state: JobState = {
        location: location.get(jobId) ?? 'absent',
        attemptsMade: Number(atm ?? 0),
        attemptsStarted: Number(ats ?? 0),
        stalledCounter: Number(stc ?? 0),
      };
      const due = dueAt.get(jobId);
      if (due !== undefined) state.dueAt = due;
      const lastError = lastLog ? (JSON.parse(lastLog) as { error?: string }).error : (failedReason ?? undefined);
      if (lastError) state.lastError = lastError;
      if (processedOn) state.processedOn = Number(processedOn);
      states.set(deliveryId, state);
    });
    return states;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
