// The processes of one bench run: each node process started with a clean environment and
// tracked, so that every one (and every Redis) is stopped at the end whatever happens;
// readiness, and resident memory read from /proc while a process is idle.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface NodeProcess {
  /** What it is, as reports name it: "gateway", "ingestion", "bare node:http hello"... */
  name: string;
  child: ChildProcess;
  /** The last lines it wrote (stdout and stderr), to explain a failure. */
  recentOutput: () => string;
}

const KEPT_LINES = 30;

/** Every process and clean-up of a run; stopAll() in a finally, killNow() on a signal. */
export class ProcessGroup {
  private readonly children = new Set<ChildProcess>();
  private readonly cleanups: (() => unknown)[] = [];

  /**
   * Runs `node <nodeArgs> <script> <args>` with only PATH from this environment plus `env`
   * (so a REDIS_URL or OTEL_* variable of the caller's shell never leaks into a service).
   */
  spawnNode(
    name: string,
    script: string,
    options: { env?: Record<string, string>; args?: string[]; nodeArgs?: string[]; ipc?: boolean } = {},
  ): NodeProcess {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SHUTDOWN_DELAY_MS: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    const lines: string[] = [];
    const keep = (chunk: Buffer) => {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      lines.splice(0, Math.max(0, lines.length - KEPT_LINES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return { name, child, recentOutput: () => lines.join('\n') };
  }

  /** Something to undo at the end (a Redis, a temporary directory), last registered first. */
  defer(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  /** SIGTERM (a graceful exit, which also writes a --cpu-prof profile), SIGKILL after `graceMs`. */
  async stop(processes: NodeProcess[], graceMs = 5_000): Promise<void> {
    await Promise.all(
      processes.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Stops every process still running, then runs the clean-ups. Never throws. */
  async stopAll(): Promise<void> {
    await this.stop(
      [...this.children].map((child) => ({ name: '', child, recentOutput: () => '' })),
      3_000,
    ).catch(() => {});
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the rest must still run.
      }
    }
  }

  /** Synchronous last resort (a signal, an exit): SIGKILL everything, start every clean-up. */
  killNow(): void {
    for (const child of this.children) child.kill('SIGKILL');
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        // A RedisServerProcess's kill() sends its SIGKILL before its first await.
        void Promise.resolve(cleanup()).catch(() => {});
      } catch {
        // Keep going.
      }
    }
  }
}

function exitedEarly(proc: NodeProcess, what: string): Error {
  const output = proc.recentOutput();
  return new Error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before ${what}${output ? `:\n${output}` : ''}`);
}

/** The port a bench server reports over IPC once it listens. */
export async function reportedPort(proc: NodeProcess, timeoutMs = 30_000): Promise<number> {
  const deadline = sleep(timeoutMs, 'timeout' as const);
  const exit = once(proc.child, 'exit').then(() => 'exit' as const);
  const message = once(proc.child, 'message').then(([port]) => port as number);
  const first = await Promise.race([message, exit, deadline]);
  if (first === 'exit') throw exitedEarly(proc, 'reporting its port');
  if (first === 'timeout') throw new Error(`${proc.name} reported no port within ${timeoutMs} ms`);
  return first;
}

/** Resolves once GET <url>/healthz/ready answers 2xx; fails fast if the process exits. */
export async function ready(proc: NodeProcess, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw exitedEarly(proc, 'becoming ready');
    const ok = await fetch(`${url}/healthz/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} at ${url} was not ready within ${timeoutMs} ms\n${proc.recentOutput()}`);
    await sleep(100);
  }
}

/** A "<field>: <n> kB" line of a /proc/<pid>/status text, in kB (undefined if absent, as for a zombie). */
export function statusKb(status: string, field: 'VmRSS' | 'RssAnon' | 'RssFile'): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * Resident memory of a live process in MB of 1024 kB, or undefined once it is gone: all of it
 * (VmRSS), and the anonymous part (RssAnon: heaps and stacks, not the shared pages of the node binary).
 */
export function residentMemory(pid: number): { rssMb: number; anonMb?: number } | undefined {
  const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = statusKb(status, 'VmRSS');
    const anon = statusKb(status, 'RssAnon');
    if (rss === undefined) return undefined;
    return anon === undefined ? { rssMb: mb(rss) } : { rssMb: mb(rss), anonMb: mb(anon) };
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of all CPUs from the first line of /proc/stat. */
export function parseCpuTimes(stat: string): { busy: number; total: number } | undefined {
  const fields = /^cpu\s+(.+)$/m.exec(stat)?.[1]?.trim().split(/\s+/).map(Number);
  if (!fields || fields.length < 4) return undefined;
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** pid, parent pid and CPU time (utime + stime, in clock ticks) of a /proc/<pid>/stat text. */
export function parseProcStat(stat: string): { pid: number; ppid: number; cpuTicks: number } | undefined {
  // The command name may hold spaces and parentheses: fields are counted after its last ')'.
  const close = stat.lastIndexOf(')');
  const pid = Number.parseInt(stat, 10);
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  if (close < 0 || Number.isNaN(pid) || fields.length < 13) return undefined;
  return { pid, ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU ticks used so far by `root` and every live descendant (redis-server and node children included). */
function treeCpuTicks(root: number): number {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const parsed = parseProcStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
        return parsed ? [parsed] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
  const children = new Map<number, number[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const ticks = new Map(all.map((p) => [p.pid, p.cpuTicks]));
  let sum = 0;
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    sum += ticks.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return sum;
}

export interface CpuSnapshot {
  machineBusy: number;
  machineTotal: number;
  /** This process and its descendants. */
  ours: number;
}

/** CPU counters of the machine and of this process tree, to tell later how much was someone else's. */
export function cpuSnapshot(): CpuSnapshot | undefined {
  try {
    const machine = parseCpuTimes(readFileSync('/proc/stat', 'utf8'));
    return machine ? { machineBusy: machine.busy, machineTotal: machine.total, ours: treeCpuTicks(process.pid) } : undefined;
  } catch {
    return undefined; // not Linux
  }
}

/** The share of the whole machine (0–100 %) busy with work outside this process tree between two snapshots. */
export function foreignBusyPercent(before: CpuSnapshot | undefined, after: CpuSnapshot | undefined): number | undefined {
  if (!before || !after || after.machineTotal <= before.machineTotal) return undefined;
  const foreign = after.machineBusy - before.machineBusy - (after.ours - before.ours);
  return Math.round((Math.max(0, foreign) / (after.machineTotal - before.machineTotal)) * 1000) / 10;
}
