// The process manager of the tests and tools: a service that never gets ready is killed, not
// left running; stop() escalates to SIGKILL after the grace period; a group is reaped when
// the process that started it exits or is signalled; pinning, IPC and captured output.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessGroup } from '../src/testing.ts';

const fixture = fileURLToPath(new URL('./fixtures/process-fixture.ts', import.meta.url));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped by its parent) still answers signal 0.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};
async function gone(pid: number, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  return !alive(pid);
}

let group: ProcessGroup;
afterEach(async () => {
  await group?.stopAll();
});

describe('ProcessGroup', () => {
  it('kills a service that is not ready in time, and says what it wrote', async () => {
    group = new ProcessGroup();
    const pids: number[] = [];
    const starting = group.service(fixture, {
      name: 'never ready',
      args: ['never-ready'],
      readyTimeoutMs: 1_500,
      ready: async (url) => {
        const child = group.running.at(-1);
        if (child) pids.push(child.pid);
        return (await fetch(`${url}/healthz/ready`).catch(() => undefined))?.ok ?? false;
      },
    });
    await expect(starting).rejects.toThrow(/never ready at http:\/\/127\.0\.0\.1:\d+ was not ready within 1500 ms/);
    expect(pids.length).toBeGreaterThan(0);
    expect(await gone(pids[0] as number, 1_000)).toBe(true);
    expect(group.running).toEqual([]);
  });

  it('fails fast, with its output, when the service exits before it is ready', async () => {
    group = new ProcessGroup();
    await expect(group.service(fixture, { name: 'confused', args: ['no-such-mode'] })).rejects.toThrow(
      /confused exited \(1\) before becoming ready:[\s\S]*unknown mode no-such-mode/,
    );
  });

  it('stop() sends SIGTERM, then SIGKILL once the grace period has passed', async () => {
    group = new ProcessGroup();
    const stubborn = group.node([fixture, 'stubborn'], { graceMs: 500 });
    await stubborn.line(/^up$/);
    const started = Date.now();
    const exit = await stubborn.stop();
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(stubborn.recentOutput()).toContain('ignoring SIGTERM');
  });

  it('kill() and killNow() end processes at once', async () => {
    group = new ProcessGroup();
    const one = group.node([fixture, 'stubborn']);
    const two = group.node([fixture, 'stubborn']);
    expect(await one.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    group.killNow();
    expect((await two.exited).signal).toBe('SIGKILL');
  });

  it('signals a launcher and what it started alike, when asked to (tree)', async () => {
    group = new ProcessGroup();
    const script = `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 60000);`;
    const launcher = group.node(['-e', script], { tree: true });
    const grandchild = Number((await launcher.line(/^\d+$/))[0]);
    expect(alive(grandchild)).toBe(true);
    await launcher.kill('SIGINT');
    expect(await gone(grandchild)).toBe(true);
  });

  it('runs the clean-ups after the processes have stopped, last registered first', async () => {
    group = new ProcessGroup();
    const order: string[] = [];
    const child = group.node([fixture, 'stubborn'], { graceMs: 200 });
    group.defer(() => order.push(`first (child running: ${child.running})`));
    group.defer(() => order.push('second'));
    await group.stopAll();
    expect(order).toEqual(['second', 'first (child running: false)']);
  });

  it.each([
    ['exits', []],
    ['dies of SIGTERM', ['wait']],
  ])('reaps what a process started when it %s without stopping it', async (_how, extra) => {
    group = new ProcessGroup();
    const parent = group.node([fixture, 'orphan-maker', ...extra]);
    const orphan = Number((await parent.line(/^\d+$/))[0]);
    expect(alive(orphan)).toBe(true);
    if (extra.length) parent.child.kill('SIGTERM');
    await parent.exited;
    expect(await gone(orphan)).toBe(true);
  });

  it('pins a process to the CPUs asked for', async () => {
    const { stdout } = await promisify(execFile)('taskset', ['-pc', String(process.pid)]).catch(() => ({ stdout: '' }));
    if (!stdout) return; // no taskset here
    group = new ProcessGroup();
    const pinned = group.node([fixture, 'stubborn'], { cores: [0] });
    await sleep(200);
    expect(/^Cpus_allowed_list:\s+(\S+)$/m.exec(readFileSync(`/proc/${pinned.pid}/status`, 'utf8'))?.[1]).toBe('0');
  });

  it('passes IPC messages, keeps output in memory or appends it to a file', async () => {
    group = new ProcessGroup();
    expect(await group.node([fixture, 'report-port'], { ipc: true }).message<number>()).toBe(4242);
    const lines: string[] = [];
    const talker = group.node([fixture, 'talk'], { onLine: (line, stream) => lines.push(`${stream}: ${line}`) });
    await Promise.all([talker.line(/to stdout/), talker.line(/to stderr/)]);
    const directory = mkdtempSync(join(tmpdir(), 'processes-test-'));
    try {
      const logFile = join(directory, 'talk.log');
      const logged = group.node([fixture, 'talk'], { logFile });
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !(existsSync(logFile) && readFileSync(logFile, 'utf8').includes('to stderr'))) await sleep(50);
      expect(lines.sort()).toEqual(['stderr: to stderr', 'stdout: to stdout']);
      expect(talker.recentOutput().split('\n').sort()).toEqual(['to stderr', 'to stdout']);
      await logged.stop();
      expect(readFileSync(logFile, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['to stderr', 'to stdout']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('starts only PATH and what it is given, unless asked to inherit', async () => {
    group = new ProcessGroup();
    process.env.PROCESSES_TEST_LEAK = 'leaked';
    try {
      const script = 'process.stdout.write((process.env.PROCESSES_TEST_LEAK ?? "clean") + " " + process.env.GIVEN + "\\n")';
      const clean = group.node(['-e', script], { env: { GIVEN: 'given' } });
      const inherited = group.node(['-e', script], { env: { GIVEN: 'given' }, inheritEnv: true });
      await Promise.all([clean.exited, inherited.exited]);
      expect([clean.recentOutput(), inherited.recentOutput()]).toEqual(['clean given', 'leaked given']);
    } finally {
      delete process.env.PROCESSES_TEST_LEAK;
    }
  });
});
