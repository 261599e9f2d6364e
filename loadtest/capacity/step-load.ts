// The step load: fixed rates rising by a factor, each step judged against the SLO with the
// CPU everything used meanwhile; stops at the first failure, then bisects. It waits for quiet
// cores first and repeats a failed step that other work on the machine disturbed. Requests
// arrive on a clock (the open model, runArrivals): evenly spaced at the step's rate however
// long the answers take, so a step shows the latency of that rate, not of bursts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request } from 'autocannon';
import { type ArrivalStageResult, type PlannedRequest, runArrivals } from '../src/arrival-rate.ts';
import type { LoadResult } from '../src/measure.ts';
import type { Throttling } from './cpu-budget.ts';
import {
  allProcessCpu,
  busiestOthers,
  type CoreTicks,
  childrenMillicores,
  coreMillicores,
  coreTicks,
  processCpuSeconds,
  processRssBytes,
} from './proc-stats.ts';
import type { Target } from './targets.ts';

export interface Criteria {
  sloP95Ms: number;
  /** Highest acceptable share of failed requests (0.01 = 1%). */
  maxErrorRate: number;
  /** Lowest acceptable completed/offered ratio (0.9): below it the service cannot keep up. */
  minThroughputRatio: number;
}

export interface Step {
  kind: 'step' | 'bisect';
  offeredRps: number;
  /** The most requests outstanding at once; one due beyond it is dropped and counts as an error. */
  connections: number;
  durationSeconds: number;
  throughputRps: number;
  requests: number;
  errorRate: number;
  statuses: Record<string, number>;
  latencyMs: LoadResult['latencyMs'];
  /** CPU of the process under test over the step, in millicores. */
  cpuMillicores: number;
  /** Resident memory of the process under test at the end of the step. */
  rssMiB: number;
  /** CPU of the load generator (this process) and of each helper, in millicores. */
  otherCpuMillicores: Record<string, number>;
  /** How busy each core was, in millicores. */
  coreMillicores: Record<number, number>;
  /** Task CPU on the service's cores and on the others that no process of this run accounts for: other work on the machine. */
  foreignMillicores: { serviceCores: number; otherCores: number };
  /** The busiest processes not started by this run (kernel threads included), in millicores. */
  foreignProcesses: { pid: number; name: string; millicores: number }[];
  /** 1, or more when a failure under foreign load was measured again. */
  attempt: number;
  /** How long the step waited for the service's cores to be quiet first. */
  waitedSeconds: number;
  /** CFS throttling of the service during the step, when its budget is a quota. */
  throttling: Throttling | undefined;
  passed: boolean;
  /** Why the step failed (empty when it passed). */
  failures: string[];
}

/** The reasons a step fails the criteria; none = it passed. */
export function judge(
  result: { offeredRps: number; throughputRps: number; errorRate: number; p95Ms: number; requests: number },
  criteria: Criteria,
): string[] {
  const failures: string[] = [];
  if (result.requests === 0) return ['no request completed'];
  if (result.p95Ms > criteria.sloP95Ms) failures.push(`p95 ${result.p95Ms} ms > SLO ${criteria.sloP95Ms} ms`);
  if (result.errorRate > criteria.maxErrorRate)
    failures.push(`errors ${(100 * result.errorRate).toFixed(2)}% > ${(100 * criteria.maxErrorRate).toFixed(2)}%`);
  const ratio = result.throughputRps / result.offeredRps;
  if (ratio < criteria.minThroughputRatio)
    failures.push(`throughput ${result.throughputRps}/s is ${Math.round(100 * ratio)}% of the offered ${result.offeredRps}/s`);
  return failures;
}

/**
 * The bound on outstanding requests for a rate: a quarter of a second of arrivals (five times
 * a 50 ms SLO), at least 20. A service that falls further behind drops requests, and fails.
 * Connections are opened as requests need them, up to this many.
 */
export function connectionsFor(rate: number): number {
  return Math.max(20, Math.ceil(rate / 4));
}

/** The target's requests as the open-model generator sends them. */
const plannedFrom = (requests: Request[]): (() => PlannedRequest)[] =>
  requests.map((request) => () => ({
    method: request.method ?? 'GET',
    path: request.path ?? '/',
    ...(request.headers ? { headers: request.headers as Record<string, string> } : {}),
    ...(typeof request.body === 'string' ? { body: request.body } : {}),
  }));

/** One rate held for `seconds` on the open model; dropped requests count as errors. */
async function offer(target: Target, rate: number, seconds: number): Promise<LoadResult> {
  const [stage] = await runArrivals({
    url: target.url,
    stages: [{ rate, seconds }],
    maxInFlight: connectionsFor(rate),
    requests: plannedFrom(target.requests),
    headers: target.headers,
    timeoutMs: 10_000,
    expected: target.expected,
  });
  const result = stage as ArrivalStageResult;
  return {
    durationSeconds: result.settledAfterSeconds,
    requests: result.requests,
    throughput: result.throughput,
    failedChecks: result.failedChecks,
    errors: result.errors + result.dropped,
    timeouts: result.timeouts,
    errorRate: result.offered === 0 ? 0 : (result.failedChecks + result.errors + result.dropped) / result.offered,
    statuses: result.dropped ? { ...result.statuses, dropped: result.dropped } : result.statuses,
    latencyMs: result.latencyMs,
  };
}

/** The unrecorded warm-up's rate: four times the first step's. */
export function warmupRate(startRps: number): number {
  return startRps * 4;
}

/** The next rate up the ladder, rounded to 10/s. */
export function nextRate(rate: number, factor: number): number {
  return Math.max(rate + 10, Math.round((rate * factor) / 10) * 10);
}

/** Halfway between a passing and a failing rate on a log scale, rounded to 10/s; undefined if too close to tell apart. */
export function bisectRate(good: number, bad: number): number | undefined {
  const middle = Math.round(Math.sqrt(good * bad) / 10) * 10;
  return middle > good && middle < bad ? middle : undefined;
}

/** Whether other work on the machine took enough CPU during a step to explain a failure. */
export function disturbed(step: Pick<Step, 'foreignMillicores'>, threshold: number): boolean {
  return step.foreignMillicores.serviceCores > threshold || step.foreignMillicores.otherCores > threshold;
}

/**
 * The highest offered rate that passed below the lowest one that failed (0 if none passed).
 * A failure measured again counts only through its last attempt at that rate.
 */
export function capacityOf(steps: Pick<Step, 'offeredRps' | 'passed'>[]): number {
  const last = new Map<number, Pick<Step, 'offeredRps' | 'passed'>>();
  for (const step of steps) last.set(step.offeredRps, step);
  const final = [...last.values()];
  const firstBad = Math.min(...final.filter((step) => !step.passed).map((step) => step.offeredRps));
  return Math.max(0, ...final.filter((step) => step.passed && step.offeredRps < firstBad).map((step) => step.offeredRps));
}

export interface StepLoadOptions {
  criteria: Criteria;
  startRps: number;
  factor: number;
  stepSeconds: number;
  warmupSeconds: number;
  /** How many bisection steps after the first failure (0 = none). */
  bisections: number;
  /** Never offer more than this (a guard against a runaway ladder). */
  maxRps: number;
  cores: { service: number[]; other: number[] };
  /** Foreign CPU above which a failed step is measured again, and cores count as busy before a step. */
  contentionMillicores: number;
  /** How many times a failed step under foreign load is measured again. */
  retries: number;
  /** Longest wait for the cores to be quiet before a step (at least 1 s, which is also the pause between steps). */
  quietWaitSeconds: number;
  /** CFS throttling of the service so far, when its budget is a quota. */
  throttling?: () => Throttling | undefined;
}

const sum = (values: Record<number, number>, cores: number[]) => cores.reduce((total, core) => total + (values[core] ?? 0), 0);

/**
 * Waits (up to `maxSeconds`) for a second in which each group of cores used no more than
 * `threshold` task CPU (the run's own processes idle meanwhile); the seconds waited beyond it.
 */
export async function waitForQuietCores(groups: number[][], threshold: number, maxSeconds: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const before: Map<number, CoreTicks> = coreTicks();
    await sleep(1000);
    const busy = coreMillicores(before, coreTicks(), 'task');
    if (groups.every((cores) => sum(busy, cores) <= threshold)) break;
    if (Date.now() - started >= maxSeconds * 1000) break;
  }
  return Math.max(0, Math.round((Date.now() - started) / 1000) - 1);
}

async function measureStep(
  target: Target,
  kind: Step['kind'],
  rate: number,
  attempt: number,
  waitedSeconds: number,
  options: StepLoadOptions,
): Promise<Step> {
  const connections = connectionsFor(rate);
  const pids = target.helpers.map((helper) => [helper.name, helper.pid] as const);
  const cpuBefore = processCpuSeconds(target.underTest.pid) ?? 0;
  const helpersBefore = pids.map(([, pid]) => processCpuSeconds(pid) ?? 0);
  const selfBefore = process.cpuUsage();
  const coresBefore = coreTicks();
  const everyBefore = allProcessCpu();
  const throttlingBefore = options.throttling?.();
  const started = process.hrtime.bigint();
  const result = await offer(target, rate, options.stepSeconds);
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = processCpuSeconds(target.underTest.pid);
  if (cpuAfter === undefined) throw new Error(`${target.underTest.name} (pid ${target.underTest.pid}) exited during the step at ${rate}/s`);
  const millicores = (seconds: number) => Math.round((1000 * seconds) / wallSeconds);
  const self = process.cpuUsage(selfBefore);
  const otherCpuMillicores: Record<string, number> = { 'load generator': millicores((self.user + self.system) / 1e6) };
  pids.forEach(([name, pid], index) => {
    otherCpuMillicores[name] = millicores((processCpuSeconds(pid) ?? 0) - (helpersBefore[index] ?? 0));
  });
  const coresAfter = coreTicks();
  const everyAfter = allProcessCpu();
  const throttlingAfter = options.throttling?.();
  const throttling =
    throttlingBefore && throttlingAfter
      ? {
          periods: throttlingAfter.periods - throttlingBefore.periods,
          throttledPeriods: throttlingAfter.throttledPeriods - throttlingBefore.throttledPeriods,
          throttledMs: Math.round(throttlingAfter.throttledMs - throttlingBefore.throttledMs),
        }
      : undefined;
  const ourPids = new Set([process.pid, target.underTest.pid, ...target.helpers.map((helper) => helper.pid)]);
  const foreignProcesses = busiestOthers(everyBefore, everyAfter, wallSeconds, ourPids);
  // Children of the helpers (redis-server forks to rewrite its AOF) are part of the load side.
  for (const child of childrenMillicores(everyBefore, everyAfter, wallSeconds, ourPids))
    otherCpuMillicores[`${child.name} (pid ${child.pid})`] = child.millicores;
  const task = coreMillicores(coresBefore, coresAfter, 'task');
  const cpuMillicores = millicores(cpuAfter - cpuBefore);
  const ours = Object.values(otherCpuMillicores).reduce((total, value) => total + value, 0);
  const step = {
    kind,
    offeredRps: rate,
    connections,
    durationSeconds: result.durationSeconds,
    throughputRps: result.throughput,
    requests: result.requests,
    errorRate: result.errorRate,
    statuses: result.statuses,
    latencyMs: result.latencyMs,
    cpuMillicores,
    rssMiB: Math.round((processRssBytes(target.underTest.pid) ?? 0) / 1024 / 1024),
    otherCpuMillicores,
    coreMillicores: coreMillicores(coresBefore, coresAfter),
    foreignMillicores: {
      serviceCores: Math.max(0, sum(task, options.cores.service) - cpuMillicores),
      otherCores: Math.max(0, sum(task, options.cores.other) - ours),
    },
    foreignProcesses,
    attempt,
    waitedSeconds,
    throttling,
  };
  const failures = judge({ ...step, p95Ms: step.latencyMs.p95 }, options.criteria);
  return { ...step, passed: failures.length === 0, failures };
}

/** Runs the ladder (and the bisection) against a started target; `onStep` sees each step as it ends. */
export async function stepLoad(target: Target, options: StepLoadOptions, onStep: (step: Step) => void = () => undefined): Promise<Step[]> {
  if (options.warmupSeconds > 0) {
    // Enough requests for the JIT to optimise the hot paths before the first step is measured.
    const rate = warmupRate(options.startRps);
    await offer(target, rate, options.warmupSeconds);
  }
  const steps: Step[] = [];
  const run = async (kind: Step['kind'], rate: number) => {
    for (let attempt = 1; ; attempt += 1) {
      const waited = await waitForQuietCores(
        [options.cores.service, options.cores.other],
        options.contentionMillicores,
        options.quietWaitSeconds,
      );
      const step = await measureStep(target, kind, rate, attempt, waited, options);
      steps.push(step);
      onStep(step);
      if (step.passed || attempt > options.retries || !disturbed(step, options.contentionMillicores)) return step;
    }
  };
  let rate = options.startRps;
  let good: number | undefined;
  let bad: number | undefined;
  while (rate <= options.maxRps) {
    const step = await run('step', rate);
    if (!step.passed) {
      bad = rate;
      break;
    }
    good = rate;
    rate = nextRate(rate, options.factor);
  }
  for (let round = 0; round < options.bisections && good !== undefined && bad !== undefined; round += 1) {
    const middle = bisectRate(good, bad);
    if (middle === undefined) break;
    if ((await run('bisect', middle)).passed) good = middle;
    else bad = middle;
  }
  return steps;
}
