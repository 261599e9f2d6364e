// In-memory delivery-request queue for embedded mode and tests: the same contract as
// BullMQ — duplicate message ids dropped, retries with exponential backoff and jitter,
// requested delays, dead letters with their history, redrive — in one process, lost on exit.
import type { Consumer, DeadLetter, DeliveryQueue, MessageHandler, QueueCounts, QueueMessage, QueueSettings } from './queue.ts';
import { PermanentFailure, RetryLater } from './queue.ts';
import { inMessageContext, publishing } from './trace-context.ts';

/** The name the memory queue's spans carry (BullMQ's is its QUEUE_NAME). */
const MEMORY_QUEUE_NAME = 'delivery-requests';

interface Entry {
  message: QueueMessage;
  attemptsMade: number;
  history: DeadLetter['attempts'];
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class MemoryQueue implements DeliveryQueue {
  private readonly settings: QueueSettings;
  private readonly known = new Set<string>();
  private readonly waiting: Entry[] = [];
  private readonly delayed = new Map<Entry, { timer: NodeJS.Timeout; dueAt: number }>();
  private readonly dead = new Map<string, DeadLetter>();
  private readonly consumers = new Set<MemoryConsumer>();
  private active = 0;

  constructor(settings: QueueSettings) {
    this.settings = settings;
  }

  async publish(message: QueueMessage): Promise<void> {
    if (this.known.has(message.messageId)) return;
    this.known.add(message.messageId);
    await publishing(MEMORY_QUEUE_NAME, message, async (traced) => {
      this.enqueue({ message: structuredClone(traced), attemptsMade: 0, history: [] });
    });
  }

  consume(handler: MessageHandler, options: { concurrency: number }): Consumer {
    const consumer = new MemoryConsumer(this, handler, options.concurrency);
    this.consumers.add(consumer);
    consumer.pump();
    return consumer;
  }

  async counts(): Promise<QueueCounts> {
    return { waiting: this.waiting.length, active: this.active, delayed: this.delayed.size, deadLettered: this.dead.size };
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    return structuredClone([...this.dead.values()].slice(0, limit));
  }

  async redrive(messageId?: string): Promise<number> {
    const chosen = [...this.dead.values()].filter((letter) => messageId === undefined || letter.message.messageId === messageId);
    for (const letter of chosen) {
      this.dead.delete(letter.message.messageId);
      // The redrive time starts the message's budget of time again (see QueueMessage.redrivenAt).
      this.enqueue({ message: { ...letter.message, redrivenAt: new Date().toISOString() }, attemptsMade: 0, history: letter.attempts });
    }
    return chosen.length;
  }

  async ping(): Promise<void> {}

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.close()));
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
  }

  async wakeNext(): Promise<boolean> {
    let next: Entry | undefined;
    let soonest = Number.POSITIVE_INFINITY;
    for (const [entry, { dueAt }] of this.delayed) {
      if (dueAt < soonest) [next, soonest] = [entry, dueAt];
    }
    if (!next) return false;
    clearTimeout(this.delayed.get(next)?.timer);
    this.delayed.delete(next);
    this.enqueue(next);
    return true;
  }

  /** @internal The next entry for a consumer, if any. */
  take(): Entry | undefined {
    const entry = this.waiting.shift();
    if (entry) this.active += 1;
    return entry;
  }

  /** @internal Runs one delivery of an entry and decides what happens next. */
  async process(entry: Entry, handler: MessageHandler): Promise<void> {
    const attempt = entry.attemptsMade + 1;
    try {
      await inMessageContext(MEMORY_QUEUE_NAME, entry.message, () =>
        handler(structuredClone(entry.message), { attempt, maxAttempts: this.settings.maxAttempts }),
      );
    } catch (error) {
      if (error instanceof RetryLater) {
        this.later(entry, error.delayMs);
        return;
      }
      entry.history.push({ attempt, at: new Date().toISOString(), error: errorText(error) });
      entry.attemptsMade = attempt;
      if (error instanceof PermanentFailure || attempt >= this.settings.maxAttempts) {
        this.dead.set(entry.message.messageId, {
          message: entry.message,
          reason: errorText(error),
          attempts: entry.history,
          deadAt: new Date().toISOString(),
        });
        return;
      }
      // Exponential backoff with jitter: base * 2^(attempt-1), between half and all of it.
      this.later(entry, this.settings.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    } finally {
      this.active -= 1;
    }
  }

  /** @internal */
  forget(consumer: MemoryConsumer): void {
    this.consumers.delete(consumer);
  }

  private enqueue(entry: Entry): void {
    this.waiting.push(entry);
    for (const consumer of this.consumers) consumer.pump();
  }

  private later(entry: Entry, delayMs: number): void {
    const timer = setTimeout(() => {
      this.delayed.delete(entry);
      this.enqueue(entry);
    }, delayMs);
    this.delayed.set(entry, { timer, dueAt: Date.now() + delayMs });
  }
}

class MemoryConsumer implements Consumer {
  private readonly queue: MemoryQueue;
  private readonly handler: MessageHandler;
  private readonly concurrency: number;
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;

  constructor(queue: MemoryQueue, handler: MessageHandler, concurrency: number) {
    this.queue = queue;
    this.handler = handler;
    this.concurrency = concurrency;
  }

  pump(): void {
    while (!this.closing && this.inFlight.size < this.concurrency) {
      const entry = this.queue.take();
      if (!entry) return;
      const run = this.queue.process(entry, this.handler).finally(() => {
        this.inFlight.delete(run);
        this.pump();
      });
      this.inFlight.add(run);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.queue.forget(this);
    await Promise.all(this.inFlight);
  }
}
