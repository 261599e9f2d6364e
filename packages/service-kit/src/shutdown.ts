// Graceful shutdown on SIGTERM/SIGINT: report not-ready at once, give load balancers a
// moment to notice, stop accepting, let in-flight requests finish within the drain
// timeout, close resources, exit 0. A hard timeout exits non-zero if anything hangs.
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { BaseConfig } from './config.ts';
import { flushLogs } from './logger.ts';
import type { ServiceInstance } from './server.ts';
import { flushTelemetry } from './telemetry-shutdown.ts';

export type ShutdownSettings = Pick<BaseConfig, 'SHUTDOWN_DELAY_MS' | 'DRAIN_TIMEOUT_MS' | 'SHUTDOWN_HARD_TIMEOUT_MS'>;

type ShutdownLog = Pick<ServiceInstance['log'], 'info' | 'warn' | 'error'>;

/** The longest a finished shutdown waits for its last log lines to be read. */
const LOG_FLUSH_MS = 1_000;
/**
 * How long after the hard timeout a watchdog thread kills the process, should its own event
 * loop be blocked (a shutdown hook in a synchronous loop) so the hard timeout cannot run.
 */
const WATCHDOG_GRACE_MS = 1_000;

/** Drains and closes one app. Resolves once it is closed; never throws. */
export async function drainAndClose(app: ServiceInstance, settings: ShutdownSettings): Promise<boolean> {
  app.health.markDraining();
  await sleep(settings.SHUTDOWN_DELAY_MS);
  const closing = app.close();
  const drained = await Promise.race([closing.then(() => true), sleep(settings.DRAIN_TIMEOUT_MS, false)]);
  if (!drained) {
    app.log.warn({ drainTimeoutMs: settings.DRAIN_TIMEOUT_MS }, 'in-flight requests outlived the drain timeout; closing their connections');
    app.server.closeAllConnections();
  }
  try {
    await closing;
    return drained;
  } catch (error) {
    app.log.error({ err: error }, 'error while closing');
    return false;
  }
}

/**
 * Installs signal handlers that drain `apps` (one per process normally; several in
 * embedded mode) and then exit. A second signal exits at once.
 */
export function exitGracefullyOnSignals(
  apps: ServiceInstance[],
  settings: ShutdownSettings,
  log: ShutdownLog | undefined = apps[0]?.log,
): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log?.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    shuttingDown = true;
    const deadline = Date.now() + settings.SHUTDOWN_HARD_TIMEOUT_MS;
    log?.info({ signal, delayMs: settings.SHUTDOWN_DELAY_MS, drainTimeoutMs: settings.DRAIN_TIMEOUT_MS }, 'shutting down');
    startWatchdog(deadline + WATCHDOG_GRACE_MS);
    // Referenced: the process must not end early, with exit code 0, because whatever the
    // shutdown waits on holds nothing in the event loop.
    setTimeout(() => {
      log?.error({ hardTimeoutMs: settings.SHUTDOWN_HARD_TIMEOUT_MS }, 'shutdown hard timeout: exiting');
      process.exit(1);
    }, settings.SHUTDOWN_HARD_TIMEOUT_MS);
    Promise.all(apps.map((app) => drainAndClose(app, settings)))
      .then(() => flushTelemetry(Math.min(2_000, Math.max(0, deadline - Date.now()))))
      .then(
        () => {
          log?.info('shutdown complete');
          return 0;
        },
        (error: unknown) => {
          log?.error({ err: error }, 'shutdown failed');
          return 1;
        },
      )
      .then(async (code) => {
        await flushLogs(Math.min(LOG_FLUSH_MS, Math.max(0, deadline - Date.now())));
        process.exit(code);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * A thread of its own that kills the process at `deadline` (epoch ms), whatever its main
 * thread is doing. It is ended with the process, and does not keep it alive.
 */
function startWatchdog(deadline: number): void {
  const watchdog = new Worker(
    "const { deadline } = require('node:worker_threads').workerData; setTimeout(() => process.kill(process.pid, 'SIGKILL'), deadline - Date.now());",
    // No preloads: the telemetry --import has no business in this thread.
    { eval: true, workerData: { deadline }, execArgv: [] },
  );
  watchdog.unref();
  // Failing to start a watchdog leaves the hard timeout alone in charge; not a reason to crash.
  watchdog.on('error', () => undefined);
}
