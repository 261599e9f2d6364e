// The processes a capacity run starts (services, redis-server), each pinned to its cores
// from its first instruction and registered before anything can fail, so that every one
// of them is killed at the end, whatever happened.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitForPort } from '@dronedelivery/service-kit/testing';

export interface Started {
  name: string;
  pid: number;
  url: string;
}

export class Processes {
  private readonly children: { name: string; child: ChildProcess }[] = [];

  /** Spawns `command args` under `taskset -c <cores>` and registers it. */
  spawnPinned(name: string, cores: number[], command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn('taskset', ['-c', cores.join(','), command, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.children.push({ name, child });
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`${name} could not be started (is taskset installed?)`);
    return child;
  }

  /** A service entry point (src/main.ts) on a free loopback port, resolved once /healthz/ready answers 200. */
  async startService(name: string, entry: string, cores: number[], env: Record<string, string>): Promise<Started> {
    const port = await freePort();
    const child = this.spawnPinned(name, cores, process.execPath, [entry], {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SHUTDOWN_DELAY_MS: '0',
      ...env,
      PORT: String(port),
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`${url}/healthz/ready`).then(
        (response) => response.ok,
        () => false,
      ))
    ) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready`);
      if (Date.now() > deadline) throw new Error(`${name} was not ready after 30 s`);
      await sleep(100);
    }
    return { name, pid: child.pid as number, url };
  }

  /** A throw-away redis-server (no RDB snapshots; AOF with appendfsync everysec in `dir`, as production runs it). */
  async startRedis(cores: number[], dir: string): Promise<Started> {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'noeviction'];
    const child = this.spawnPinned('redis-server', cores, 'redis-server', [
      ...args,
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
    ]);
    await waitForPort(port);
    return { name: 'redis-server', pid: child.pid as number, url: `redis://127.0.0.1:${port}` };
  }

  /** SIGTERM to every process still running, SIGKILL to any that has not exited 5 s later. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.children.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }),
    );
  }

  /** Last resort on an abrupt exit (signal, uncaught error): SIGKILL, synchronously. */
  killAllNow(): void {
    for (const { child } of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
