// What a process and the machine's cores spent, read from /proc: a process's CPU time
// (utime + stime) and resident memory, and each core's busy time, to turn into millicores.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc times (getconf CLK_TCK; 100 on Linux almost always). */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds a process has used so far (all its threads), or undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the name.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Resident memory of a process in bytes (VmRSS), or undefined once it is gone. */
export function processRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The cores a process may run on, as the kernel reports them (e.g. "1" or "0-1"). */
export function processCpusAllowed(pid: number): string | undefined {
  try {
    return /^Cpus_allowed_list:\s+(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

export interface CoreTicks {
  /** Ticks spent on anything but idle and I/O wait. */
  busy: number;
  /** Ticks spent in tasks (user, nice, system): what processes are charged with, unlike interrupts and steal. */
  task: number;
  total: number;
}

/** Ticks of each core so far (from /proc/stat), by core number. */
export function coreTicks(): Map<number, CoreTicks> {
  const cores = new Map<number, CoreTicks>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = (match[2] ?? '')
      .trim()
      .split(/\s+/)
      .map(Number);
    const task = user + nice + system;
    const busy = task + irq + softirq + steal;
    cores.set(Number(match[1]), { busy, task, total: busy + idle + iowait });
  }
  return cores;
}

/** Each core's busy share between two coreTicks() readings, in millicores (0-1000); `task` counts task time only. */
export function coreMillicores(
  before: Map<number, CoreTicks>,
  after: Map<number, CoreTicks>,
  field: 'busy' | 'task' = 'busy',
): Record<number, number> {
  const result: Record<number, number> = {};
  for (const [core, end] of after) {
    const start = before.get(core);
    if (!start || end.total === start.total) continue;
    result[core] = Math.round((1000 * (end[field] - start[field])) / (end.total - start.total));
  }
  return result;
}

export interface ProcessCpu {
  name: string;
  parent: number;
  seconds: number;
}

/** CPU seconds of every process on the machine so far, with its command name and parent. */
export function allProcessCpu(): Map<number, ProcessCpu> {
  const result = new Map<number, ProcessCpu>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(Number(entry), { name, parent: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return result;
}

/**
 * The processes, other than `ours` and their children (e.g. redis-server's AOF rewrite), that
 * used the most CPU between two allProcessCpu() readings, in millicores.
 */
export function busiestOthers(
  before: Map<number, ProcessCpu>,
  after: Map<number, ProcessCpu>,
  wallSeconds: number,
  ours: Set<number>,
  count = 3,
  atLeastMillicores = 20,
): { pid: number; name: string; millicores: number }[] {
  return [...after]
    .filter(([pid, { parent }]) => !ours.has(pid) && !ours.has(parent))
    .map(([pid, { name, seconds }]) => ({
      pid,
      name,
      millicores: Math.round((1000 * (seconds - (before.get(pid)?.seconds ?? 0))) / wallSeconds),
    }))
    .filter((process) => process.millicores >= atLeastMillicores)
    .sort((a, b) => b.millicores - a.millicores)
    .slice(0, count);
}

/** CPU of the children of `parents` (alive at the second reading) between two readings, in millicores. */
export function childrenMillicores(
  before: Map<number, ProcessCpu>,
  after: Map<number, ProcessCpu>,
  wallSeconds: number,
  parents: Set<number>,
): { pid: number; name: string; millicores: number }[] {
  return [...after]
    .filter(([pid, { parent }]) => parents.has(parent) && !parents.has(pid))
    .map(([pid, { name, seconds }]) => ({
      pid,
      name,
      millicores: Math.round((1000 * (seconds - (before.get(pid)?.seconds ?? 0))) / wallSeconds),
    }));
}
