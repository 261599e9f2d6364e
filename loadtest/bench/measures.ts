// What the bench reads from /proc about its processes and the machine: resident memory while
// a process is idle (RSS, its anonymous part, PSS), and how busy the machine was with work outside the bench's process tree.
import { readdirSync, readFileSync } from 'node:fs';

/** A "<field>: <n> kB" line of a /proc/<pid>/status text, in kB (undefined if absent, as for a zombie). */
export function statusKb(status: string, field: 'VmRSS' | 'RssAnon' | 'RssFile'): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The "Pss:" line of a /proc/<pid>/smaps_rollup text, in kB. */
export function pssKb(smapsRollup: string): number | undefined {
  const match = /^Pss:\s+(\d+)\s+kB$/m.exec(smapsRollup);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export interface ResidentMemory {
  /** VmRSS: every page resident, the node binary's shared ones included. */
  rssMb: number;
  /** RssAnon: heaps and stacks, the process's own memory. */
  anonMb?: number;
  /** PSS: its own pages plus its share of the pages it shares with other processes. */
  pssMb?: number;
}

/** Resident memory of a live process in MB of 1024 kB, or undefined once it is gone. */
export function residentMemory(pid: number): ResidentMemory | undefined {
  const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = statusKb(status, 'VmRSS');
    if (rss === undefined) return undefined;
    const anon = statusKb(status, 'RssAnon');
    let pss: number | undefined;
    try {
      pss = pssKb(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    } catch {
      pss = undefined; // an older kernel
    }
    return { rssMb: mb(rss), ...(anon === undefined ? {} : { anonMb: mb(anon) }), ...(pss === undefined ? {} : { pssMb: mb(pss) }) };
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
