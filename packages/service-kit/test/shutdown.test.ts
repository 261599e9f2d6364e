import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));

interface Running {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  base: Promise<string>;
  exit: Promise<number | null>;
}

let running: Running | undefined;

function startService(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  let resolveBase: (url: string) => void = () => {};
  const base = new Promise<string>((resolve) => {
    resolveBase = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const text of complete.filter(Boolean)) {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(line.msg));
      if (listening?.[1]) resolveBase(listening[1]);
    }
  });
  // 'close' (not 'exit'): by then every line the child wrote has been read.
  const exit = once(child, 'close').then(([code]) => code as number | null);
  running = { child, lines, base, exit };
  return running;
}

afterEach(() => {
  if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  running = undefined;
});

describe('graceful shutdown (child process)', () => {
  it('finishes an in-flight request after SIGTERM, reports not ready meanwhile, closes resources in reverse order, exits 0', async () => {
    const service = startService({ SHUTDOWN_DELAY_MS: '400', DRAIN_TIMEOUT_MS: '5000' });
    const base = await service.base;
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
    expect(await service.exit).toBe(0);

    const messages = service.lines.map((line) => line.msg);
    expect(messages.indexOf('closing second-opened')).toBeGreaterThan(-1);
    expect(messages.indexOf('closing second-opened')).toBeLessThan(messages.indexOf('closing first-opened'));
    expect(messages.at(-1)).toBe('shutdown complete');
    // Keep-alive sockets were released once drained, rather than cut at the drain timeout.
    expect(messages).not.toContain('in-flight requests outlived the drain timeout; closing their connections');
  });

  it('stops accepting connections once the delay has passed', async () => {
    const service = startService({ SHUTDOWN_DELAY_MS: '0', DRAIN_TIMEOUT_MS: '5000' });
    const base = await service.base;
    const inFlight = fetch(`${base}/slow?ms=800`);
    await sleep(100);
    service.child.kill('SIGTERM');
    await sleep(150);
    await expect(fetch(`${base}/healthz/live`, { headers: { connection: 'close' } })).rejects.toThrow();
    expect((await inFlight).status).toBe(200);
    expect(await service.exit).toBe(0);
  });

  it('exits non-zero when the hard timeout passes with work still running', async () => {
    const service = startService({ SHUTDOWN_DELAY_MS: '0', DRAIN_TIMEOUT_MS: '60000', SHUTDOWN_HARD_TIMEOUT_MS: '300' });
    const base = await service.base;
    const stuck = fetch(`${base}/slow?ms=30000`).catch(() => 'connection dropped');
    await sleep(100);
    service.child.kill('SIGTERM');
    expect(await service.exit).toBe(1);
    expect(service.lines.some((line) => line.msg === 'shutdown hard timeout: exiting')).toBe(true);
    await stuck;
  });

  it('reports started only after start-up tasks finish', async () => {
    const service = startService({ FIXTURE_STARTUP_MS: '700' });
    const base = await service.base;
    expect((await fetch(`${base}/healthz/startup`)).status).toBe(503);
    expect((await fetch(`${base}/healthz/ready`)).status).toBe(503);
    expect((await fetch(`${base}/healthz/live`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`${base}/healthz/startup`)).status, { timeout: 5_000 }).toBe(200);
    expect((await fetch(`${base}/healthz/ready`)).status).toBe(200);
  });
});
