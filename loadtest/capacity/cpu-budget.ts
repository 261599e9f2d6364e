// Holds the process under test to a CPU budget: whole cores with taskset, and a CFS quota
// (cgroup v2 cpu.max, else cgroup v1 cpu.cfs_quota_us) for a fraction of a core, as a
// Kubernetes CPU limit is enforced. Everything else is kept off the service's cores.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

export interface BudgetPlan {
  millicores: number;
  /** Cores the service under test may run on. */
  serviceCores: number[];
  /** Cores for everything else (load generator, Redis, upstreams). */
  otherCores: number[];
  /** CFS quota per period in µs when the budget is not a whole number of cores. */
  quotaMicros: number | undefined;
  periodMicros: number;
  warnings: string[];
}

const PERIOD_MICROS = 100_000;

/** Which cores the service gets (the highest-numbered ones) and whether a quota is needed. */
export function planBudget(millicores: number, coreCount: number): BudgetPlan {
  if (!(millicores > 0)) throw new Error(`the CPU budget must be positive, not ${millicores}`);
  const warnings: string[] = [];
  const all = Array.from({ length: coreCount }, (_, core) => core);
  const wanted = Math.ceil(millicores / 1000);
  const serviceCount = Math.min(wanted, coreCount);
  if (wanted > coreCount) warnings.push(`the budget of ${millicores}m asks for ${wanted} cores but the machine has ${coreCount}`);
  const serviceCores = all.slice(coreCount - serviceCount);
  let otherCores = all.slice(0, coreCount - serviceCount);
  if (otherCores.length === 0) {
    otherCores = all;
    warnings.push('no core is left for the load generator and helpers: they share the service cores, which skews the result');
  }
  const quotaMicros =
    millicores % 1000 === 0 || millicores > serviceCount * 1000 ? undefined : Math.round((millicores / 1000) * PERIOD_MICROS);
  return { millicores, serviceCores, otherCores, quotaMicros, periodMicros: PERIOD_MICROS, warnings };
}

export interface Throttling {
  /** CFS periods in which the cgroup ran, and those in which it hit its quota and had to wait. */
  periods: number;
  throttledPeriods: number;
  throttledMs: number;
}

/** Reads cpu.stat of a cgroup (v2: throttled_usec; v1: throttled_time in ns). */
export function readThrottling(directory: string): Throttling | undefined {
  try {
    const stat = Object.fromEntries(
      readFileSync(join(directory, 'cpu.stat'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string])
        .map(([key, value]) => [key, Number(value)]),
    );
    const throttledMs = stat.throttled_usec !== undefined ? stat.throttled_usec / 1000 : (stat.throttled_time ?? 0) / 1e6;
    return { periods: stat.nr_periods ?? 0, throttledPeriods: stat.nr_throttled ?? 0, throttledMs };
  } catch {
    return undefined;
  }
}

export interface AppliedBudget {
  /** How the budget is enforced, for the report. */
  mechanism: string;
  /** What did not go as planned (e.g. no quota could be set). */
  warnings: string[];
  /** CFS throttling so far (cgroup cpu.stat), when a quota applies. */
  throttling(): Throttling | undefined;
  /** Removes the cgroup made for the process (call after the process has exited). */
  release(): void;
}

/** Restricts every thread of `pid` to `cores` (new threads inherit it). */
export function pinProcess(pid: number, cores: number[]): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores.join(','), String(pid)], { stdio: 'ignore' });
}

function cgroupV2Root(): string | undefined {
  for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    const controllers = join(root, 'cgroup.controllers');
    if (existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu')) return root;
  }
  return undefined;
}

function quotaCgroup(pid: number, plan: BudgetPlan, quota: number): { mechanism: string; directory: string } {
  const v2 = cgroupV2Root();
  if (v2) {
    const subtree = join(v2, 'cgroup.subtree_control');
    if (!readFileSync(subtree, 'utf8').split(/\s+/).includes('cpu')) writeFileSync(subtree, '+cpu');
    const directory = join(v2, `loadtest-capacity-${pid}`);
    mkdirSync(directory);
    writeFileSync(join(directory, 'cpu.max'), `${quota} ${plan.periodMicros}`);
    writeFileSync(join(directory, 'cgroup.procs'), String(pid));
    return { mechanism: `cgroup v2 cpu.max "${quota} ${plan.periodMicros}"`, directory };
  }
  const v1 = '/sys/fs/cgroup/cpu';
  if (!existsSync(join(v1, 'cpu.cfs_quota_us'))) throw new Error('neither cgroup v2 with the cpu controller nor cgroup v1 cpu is mounted');
  const directory = join(v1, `loadtest-capacity-${pid}`);
  mkdirSync(directory);
  writeFileSync(join(directory, 'cpu.cfs_period_us'), String(plan.periodMicros));
  writeFileSync(join(directory, 'cpu.cfs_quota_us'), String(quota));
  writeFileSync(join(directory, 'cgroup.procs'), String(pid));
  return { mechanism: `cgroup v1 cpu.cfs_quota_us=${quota} per cpu.cfs_period_us=${plan.periodMicros}`, directory };
}

/** Pins `pid` to the plan's cores and, for a fraction of a core, puts it under a CFS quota. */
export function applyBudget(pid: number, plan: BudgetPlan): AppliedBudget {
  const warnings = [...plan.warnings];
  pinProcess(pid, plan.serviceCores);
  let mechanism = `taskset -c ${plan.serviceCores.join(',')} (${plan.serviceCores.length} whole core${plan.serviceCores.length > 1 ? 's' : ''})`;
  let directory: string | undefined;
  if (plan.quotaMicros !== undefined) {
    try {
      const cgroup = quotaCgroup(pid, plan, plan.quotaMicros);
      directory = cgroup.directory;
      mechanism += ` + ${cgroup.mechanism}`;
    } catch (error) {
      warnings.push(
        `could not set a CFS quota (${(error as Error).message}): only taskset applies, so the service had ${plan.serviceCores.length * 1000}m, not ${plan.millicores}m`,
      );
    }
  }
  return {
    mechanism,
    warnings,
    throttling: () => (directory ? readThrottling(directory) : undefined),
    release() {
      if (!directory) return;
      try {
        rmdirSync(directory);
      } catch {
        // Still populated (the process lingers) or already gone: nothing more to do.
      }
    },
  };
}

/** Every core of the machine (not only those this process may use now). */
export function coreCount(): number {
  return cpus().length;
}
