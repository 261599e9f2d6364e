// What a service does after it starts listening (connect stores, seed data) and the
// cleanup it registers (stores, queues, clients), run once at shutdown in reverse order
// so that what was opened last is closed first.
import type { Logger } from './logger.ts';

interface Closer {
  name: string;
  close: () => Promise<unknown> | unknown;
  timeoutMs?: number | undefined;
}

interface StartupTask {
  name: string;
  run: () => Promise<unknown> | unknown;
}

export class Lifecycle {
  private readonly closers: Closer[] = [];
  private readonly startupTasks: StartupTask[] = [];
  private closed = false;

  /** Work that must finish before the service reports started (and ready). */
  onStartup(name: string, run: StartupTask['run']): void {
    this.startupTasks.push({ name, run });
  }

  async start(log: Pick<Logger, 'info'>): Promise<void> {
    for (const task of this.startupTasks) {
      const began = performance.now();
      await task.run();
      log.info({ task: task.name, durationMs: Math.round(performance.now() - began) }, 'start-up task done');
    }
  }

  /** `timeoutMs` bounds how long this closer may take (default: the close() default). */
  onShutdown(name: string, close: Closer['close'], options: { timeoutMs?: number } = {}): void {
    this.closers.push({ name, close, timeoutMs: options.timeoutMs });
  }

  /**
   * Runs every closer even if one fails or hangs (each gets `perCloserTimeoutMs`, so a
   * dependency that is down cannot hold shutdown); failures are logged, not thrown.
   */
  async close(log: Pick<Logger, 'info' | 'error'>, perCloserTimeoutMs = 5_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const closer of this.closers.toReversed()) {
      try {
        let timer: NodeJS.Timeout | undefined;
        const limit = closer.timeoutMs ?? perCloserTimeoutMs;
        const timedOut = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not close within ${limit} ms`)), limit);
        });
        await Promise.race([Promise.resolve().then(() => closer.close()), timedOut]).finally(() => clearTimeout(timer));
        log.info({ resource: closer.name }, 'closed');
      } catch (error) {
        log.error({ err: error, resource: closer.name }, 'failed to close');
      }
    }
  }
}
