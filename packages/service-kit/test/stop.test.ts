// A process told to stop always stops: services whose stdout nobody reads (a full pipe)
// and whose shutdown hooks hang, and the whole embedded system, each run as a child
// process and sent SIGTERM to its process group as a supervisor or `docker stop` would.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePortRun } from '../src/testing.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const stuckService = fileURLToPath(new URL('./fixtures/stuck-service.ts', import.meta.url));
const closingService = fileURLToPath(new URL('./fixtures/closing-service.ts', import.meta.url));
const telemetry = fileURLToPath(new URL('../src/telemetry.ts', import.meta.url));
/** Time a loaded CI machine may need beyond what a test asserts, to start and reap a process. */
const MARGIN_MS = 3_000;

interface Unread {
  child: ChildProcess;
  /** Resolves when the child writes `marker` to stderr. */
  said: (marker: string) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

const running: ChildProcess[] = [];

/** Starts `node <args>` in a process group of its own, with a stdout pipe this side never reads. */
function spawnUnread(args: string[], env: Record<string, string>, cwd = root): Unread {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(child);
  // Never read: the pipe fills once the child has written what it and this side's buffer hold.
  child.stdout?.pause();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const said = (marker: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (stderr.includes(marker)) resolve();
      };
      child.stderr?.on('data', check);
      check();
      exited.then(({ code, signal }) => reject(new Error(`exited (${code ?? signal}) before saying "${marker}": ${stderr}`)));
    });
  return { child, said, exited, stderr: () => stderr };
}

/**
 * SIGTERM to the child's whole process group; resolves with how it ended and how long that
 * took, or with `running: true` if it has not ended within `waitMs`.
 */
async function terminate(process_: Unread, waitMs: number, again?: number) {
  const sent = Date.now();
  process.kill(-(process_.child.pid as number), 'SIGTERM');
  if (again !== undefined)
    setTimeout(() => process_.child.exitCode === null && process.kill(-(process_.child.pid as number), 'SIGTERM'), again);
  const ended = await Promise.race([
    process_.exited,
    new Promise<{ running: true }>((resolve) => setTimeout(resolve, waitMs, { running: true })),
  ]);
  return { ...ended, ms: Date.now() - sent };
}

afterEach(() => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL');
  }
});

describe('a service whose stdout nobody reads, told to stop', () => {
  const env = { PORT: '0', SHUTDOWN_DELAY_MS: '0', DRAIN_TIMEOUT_MS: '500', FIXTURE_LOG_BYTES: String(4 * 1024 * 1024) };

  it('exits 1 at its hard timeout when a shutdown hook never finishes', async () => {
    const service = spawnUnread([stuckService], { ...env, FIXTURE_HOOK: 'never', SHUTDOWN_HARD_TIMEOUT_MS: '1500' });
    await service.said('ready');
    const ended = await terminate(service, 1_500 + MARGIN_MS);
    expect(ended).toMatchObject({ code: 1, signal: null });
    expect(ended.ms).toBeGreaterThanOrEqual(1_400);
    expect(ended.ms).toBeLessThan(1_500 + MARGIN_MS);
  }, 30_000);

  it('exits 0 soon when its shutdown finishes, although its last log lines cannot be written', async () => {
    const service = spawnUnread([stuckService], { ...env, FIXTURE_HOOK: 'done', SHUTDOWN_HARD_TIMEOUT_MS: '20000' });
    await service.said('ready');
    const ended = await terminate(service, 1_000 + MARGIN_MS);
    expect(ended).toMatchObject({ code: 0, signal: null });
    expect(ended.ms).toBeLessThan(1_000 + MARGIN_MS);
  }, 30_000);

  it('is killed a moment after its hard timeout when a shutdown hook blocks its thread', async () => {
    const service = spawnUnread([stuckService], { ...env, FIXTURE_HOOK: 'busy', SHUTDOWN_HARD_TIMEOUT_MS: '1000' });
    await service.said('ready');
    const ended = await terminate(service, 2_000 + MARGIN_MS);
    expect(ended).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(ended.ms).toBeLessThan(1_000 + 1_000 + MARGIN_MS);
  }, 30_000);
});

describe('a closed server', () => {
  it('leaves no timer or handle behind: the process ends by itself, with the telemetry preload too', async () => {
    for (const args of [[closingService], ['--import', telemetry, closingService]]) {
      const service = spawnUnread(args, { PORT: '0' });
      await service.said('closed');
      const ended = await Promise.race([
        service.exited,
        new Promise((resolve) => setTimeout(resolve, 5_000, 'still running 5 s after its server closed')),
      ]);
      expect(ended, service.stderr()).toEqual({ code: 0, signal: null });
    }
  }, 60_000);
});

/**
 * Starts the whole system with `args` (PORT and a short hard timeout set), fills its stdout,
 * sends SIGTERM to its process group (a second one `again` ms later, if set), and expects it
 * to have stopped gracefully in time, its ports closed.
 */
async function startFillAndStop(args: string[], cwd: string, again?: number): Promise<void> {
  const port = await freePortRun(6);
  const hardTimeoutMs = 8_000;
  const system = spawnUnread(args, { PORT: String(port), SHUTDOWN_HARD_TIMEOUT_MS: String(hardTimeoutMs) }, cwd);
  const gateway = `http://127.0.0.1:${port}`;
  await expect
    .poll(async () => (await fetch(`${gateway}/healthz/ready`).catch(() => undefined))?.status, { timeout: 45_000, interval: 200 })
    .toBe(200);
  // The gateway logs every request with its URL: a few MB of them fill the pipe (a
  // socket pair, which holds a few hundred KB) whatever its size.
  const url = `${gateway}/api/nowhere/${'x'.repeat(2_000)}`;
  for (let batch = 0; batch < 20; batch++) {
    await Promise.all(Array.from({ length: 50 }, () => fetch(url).then((response) => response.arrayBuffer())));
  }
  const ended = await terminate(system, hardTimeoutMs + MARGIN_MS, again);
  expect(ended, system.stderr()).toMatchObject({ code: 0, signal: null });
  await expect(fetch(`${gateway}/healthz/live`)).rejects.toThrow();
}

describe('the embedded system, told to stop', () => {
  it('exits 0 within its hard timeout after SIGTERM, with a stdout nobody reads', async () => {
    await startFillAndStop(['--import', '@dronedelivery/service-kit/telemetry', 'src/main.ts'], join(root, 'embedded'));
  }, 90_000);
});

describe('npm start (scripts/bootstrap.mjs), told to stop', () => {
  // `pnpm test` (CI, or a developer) runs vitest through the bootstrap, which checks the
  // install against the lockfile and leaves this marker. Without it the bootstrap would
  // install dependencies first, which is no business of a test.
  const marker = join(root, 'node_modules', '.bootstrap-lock');
  const lock = createHash('sha256')
    .update(readFileSync(join(root, 'pnpm-lock.yaml')))
    .digest('hex');
  const installed = existsSync(marker) && readFileSync(marker, 'utf8') === lock;

  it.skipIf(!installed)(
    'passes SIGTERM to the system once (a graceful stop, exit 0), though it came twice, and exits when the system has',
    async () => {
      // Under `npm start`, one Ctrl-C or SIGTERM to the group comes twice: from the sender and from npm.
      await startFillAndStop([join(root, 'scripts', 'bootstrap.mjs'), 'start'], root, 200);
    },
    90_000,
  );
});
