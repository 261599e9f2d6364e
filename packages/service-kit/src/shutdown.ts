// Graceful shutdown on SIGTERM/SIGINT: report not-ready at once, give load balancers a
// moment to notice, stop accepting, let in-flight requests finish within the drain
// timeout, close resources, exit 0. A hard timeout exits non-zero if anything hangs.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BaseConfig } from './config.ts';
import type { ServiceInstance } from './server.ts';
import { flushTelemetry } from './telemetry-shutdown.ts';

export type ShutdownSettings = Pick<BaseConfig, 'SHUTDOWN_DELAY_MS' | 'DRAIN_TIMEOUT_MS' | 'SHUTDOWN_HARD_TIMEOUT_MS'>;

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
export function exitGracefullyOnSignals(apps: ServiceInstance[], settings: ShutdownSettings, log = apps[0]?.log): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log?.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    shuttingDown = true;
    log?.info({ signal, delayMs: settings.SHUTDOWN_DELAY_MS, drainTimeoutMs: settings.DRAIN_TIMEOUT_MS }, 'shutting down');
    const hardStop = setTimeout(() => {
      log?.error({ hardTimeoutMs: settings.SHUTDOWN_HARD_TIMEOUT_MS }, 'shutdown hard timeout: exiting');
      process.exit(1);
    }, settings.SHUTDOWN_HARD_TIMEOUT_MS);
    hardStop.unref();
    Promise.all(apps.map((app) => drainAndClose(app, settings)))
      .then(() => flushTelemetry())
      .then(
        () => {
          log?.info('shutdown complete');
          exitAfterFlush(log, 0);
        },
        (error: unknown) => {
          log?.error({ err: error }, 'shutdown failed');
          exitAfterFlush(log, 1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Exits once the logger has written what it holds, so the last lines are not lost. */
function exitAfterFlush(logger: object | undefined, code: number): void {
  // pino's flush; a logger without one has nothing buffered.
  const log = logger as { flush?: (callback: () => void) => void } | undefined;
  if (!log?.flush) process.exit(code);
  const fallback = setTimeout(() => process.exit(code), 1_000);
  fallback.unref();
  log.flush(() => process.exit(code));
}
