// Lets graceful shutdown flush buffered telemetry before the process exits: the
// telemetry preload registers its shutdown here, the shutdown sequence awaits it.
let shutdownTelemetry: (() => Promise<void>) | undefined;

export function onTelemetryShutdown(shutdown: () => Promise<void>): void {
  shutdownTelemetry = shutdown;
}

/** Flushes and stops telemetry; bounded so a dead collector cannot hold the exit. */
export async function flushTelemetry(timeoutMs = 2_000): Promise<void> {
  if (!shutdownTelemetry) return;
  await Promise.race([shutdownTelemetry().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
