// The port: the delivery-request queue as producers and consumers see it, whatever the
// broker. Delivery is at least once: handlers must be idempotent (messageId helps).
import type { QueueMessage } from '@dronedelivery/contracts';

export type { QueueMessage } from '@dronedelivery/contracts';

export interface AttemptRecord {
  attempt: number;
  at: string;
  error: string;
}

export interface DeadLetter {
  message: QueueMessage;
  reason: string;
  attempts: AttemptRecord[];
  deadAt: string;
}

export interface QueueCounts {
  /** Ready to be taken by a consumer. */
  waiting: number;
  /** Being processed now. */
  active: number;
  /** Waiting for a retry backoff or a requested delay. */
  delayed: number;
  deadLettered: number;
}

export interface HandlerContext {
  /** 1 on the first try. */
  attempt: number;
  maxAttempts: number;
}

export type MessageHandler = (message: QueueMessage, context: HandlerContext) => Promise<void>;

/** Thrown by a handler for a message that can never succeed: dead-lettered at once, no retries. */
export class PermanentFailure extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PermanentFailure';
  }
}

/** Thrown by a handler to have the message tried again later without using up an attempt (say, a circuit is open). */
export class RetryLater extends Error {
  readonly delayMs: number;

  constructor(reason: string, delayMs: number) {
    super(reason);
    this.name = 'RetryLater';
    this.delayMs = delayMs;
  }
}

export interface QueueSettings {
  /** Tries per message, the first included, before it is dead-lettered. */
  maxAttempts: number;
  /** First retry delay; doubled each time, with jitter. */
  backoffMs: number;
}

export interface Consumer {
  /** Stops taking messages and waits for those in hand to finish. */
  close(): Promise<void>;
}

export interface DeliveryQueue {
  /** Resolves once the broker has the message. A message id seen before is dropped. */
  publish(message: QueueMessage): Promise<void>;
  consume(handler: MessageHandler, options: { concurrency: number }): Consumer;
  counts(): Promise<QueueCounts>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  /** Puts dead letters back on the queue with fresh attempts: one by message id, or all. Returns how many. */
  redrive(messageId?: string): Promise<number>;
  /**
   * Brings the delayed message due soonest forward, to be taken now (a consumer that parked
   * messages while it waits for capacity calls it when capacity frees). False when none is delayed.
   */
  wakeNext(): Promise<boolean>;
  /** Resolves when the broker is reachable now (readiness); does not wait for a reconnection. */
  ping(): Promise<void>;
  /** Resolves once the broker is reachable, waiting for the first connection (start-up). */
  ready(): Promise<void>;
  close(): Promise<void>;
}
