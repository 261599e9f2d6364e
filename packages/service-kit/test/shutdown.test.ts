import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServiceProcess, spawnService } from '../src/testing.ts';

const entry = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));

let running: ServiceProcess | undefined;

function startService(env: Record<string, string>): ServiceProcess {
  running = spawnService([entry], { LOG_LEVEL: 'info', ...env });
  return running;
}

afterEach(() => {
  if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  running = undefined;
});

describe('graceful shutdown (child process)', () => {
  it('finishes an in-flight request after SIGTERM, reports not ready meanwhile, closes resources in reverse order, exits 0', async () => {
    const service = startService({ SHUTDOWN_DELAY_MS: '400', DRAIN_TIMEOUT_MS: '5000' });
    const base = await service.url;
    await expect.poll(async () => (await fetch(`${base}/healthz/ready`)).status).toBe(200);

    const inFlight = fetch(`${base}/slow?ms=1200`);
    await sleep(100);
    service.child.kill('SIGTERM');
    await sleep(100);
    const readiness = await fetch(`${base}/healthz/ready`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ state: 'draining' });

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ slept: 1200 });
    expect(await service.exited).toBe(0);

    const messages = service.lines.map((line) => line.msg);
    expect(messages.indexOf('closing second-opened')).toBeGreaterThan(-1);
    expect(messages.indexOf('closing second-opened')).toBeLessThan(messages.indexOf('closing first-opened'));
    expect(messages.indexOf('shutdown complete')).toBeGreaterThan(messages.indexOf('closing first-opened'));
    // Keep-alive sockets were released once drained, rather than cut at the drain timeout.
    expect(messages).not.toContain('in-flight requests outlived the drain timeout; closing their connections');
  });

  it('stops accepting connections once the delay has passed', async () => {
    const service = startService({ SHUTDOWN_DELAY_MS: '0', DRAIN_TIMEOUT_MS: '5000' });
    const base = await service.url;
    const inFlight = fetch(`${base}/slow?ms=800`);
    await sleep(100);
    service.child.kill('SIGTERM');
    await sleep(150);
    await expect(fetch(`${base}/healthz/live`, { headers: { connection: 'close' } })).rejects.toThrow();
    expect((await inFlight).status).toBe(200);
    expect(await service.exited).toBe(0);
  });

  it('exits non-zero when the hard timeout passes with work still running', async () => {
    const service = startService({ SHUTDOWN_DELAY_MS: '0', DRAIN_TIMEOUT_MS: '60000', SHUTDOWN_HARD_TIMEOUT_MS: '300' });
    const base = await service.url;
    const stuck = fetch(`${base}/slow?ms=30000`).catch(() => 'connection dropped');
    await sleep(100);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(1);
    expect(service.lines.some((line) => line.msg === 'shutdown hard timeout: exiting')).toBe(true);
    await stuck;
  });

  it('reports started only after start-up tasks finish', async () => {
    const service = startService({ FIXTURE_STARTUP_MS: '700' });
    const base = await service.url;
    expect((await fetch(`${base}/healthz/startup`)).status).toBe(503);
    expect((await fetch(`${base}/healthz/ready`)).status).toBe(503);
    expect((await fetch(`${base}/healthz/live`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`${base}/healthz/startup`)).status, { timeout: 5_000 }).toBe(200);
    expect((await fetch(`${base}/healthz/ready`)).status).toBe(200);
  });
});
