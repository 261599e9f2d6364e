// The bench's cases from start to stop: start what a case drives, read its idle memory, drive
// it (a warm-up, then BENCH_REPEATS measured runs on the same processes), read its memory
// again, stop everything it started. A case that fails is recorded as failed; the run goes on.
import { setTimeout as sleep } from 'node:timers/promises';
import { deliveryRoutes, gatewayRoutes, ORIGINAL_SAMPLE, pathOf } from '@dronedelivery/contracts';
import { type Caller, identityHeaders } from '@dronedelivery/service-kit';
import type { ProcessGroup, RunningProcess } from '@dronedelivery/service-kit/testing';
import { type LoadResult, runLoad } from '../src/measure.ts';
import { type EndToEndResult, runEndToEnd, samplesOf } from './end-to-end.ts';
import { cpuSnapshot, foreignBusyPercent, residentMemory } from './measures.ts';
import type { CaseResult, MemorySample, ReadOverhead, RunFigures, Settings, StartSample } from './report.ts';
import type { SeparateSystem, SystemTarget, Target } from './targets.ts';

const failure = (error: unknown) => (error instanceof Error ? error.message : String(error));

const figuresOf = (load: LoadResult): RunFigures => ({
  throughput: load.throughput,
  p50Ms: load.latencyMs.p50,
  p99Ms: load.latencyMs.p99,
  errors: load.failedChecks + load.errors,
});

/** What the bench collects besides the cases' own figures. */
export interface Collected {
  memory: MemorySample[];
  starts: StartSample[];
}

/** Each process's memory now. */
export function memoryOf(caseId: string, when: MemorySample['when'], processes: RunningProcess[]): MemorySample[] {
  return processes.map(({ name, pid }) => ({ process: name, caseId, when, ...(pid === undefined ? {} : residentMemory(pid)) }));
}

/**
 * The event-loop delay the process behind `url` saw since its metrics were last read (Node's
 * histogram, reset on each read): what the load-shedding threshold is compared against.
 */
async function eventLoopDelay(url: string): Promise<{ p99Ms: number; maxMs: number } | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const [p99, max] = [samplesOf(text, 'nodejs_eventloop_lag_p99_seconds')[0], samplesOf(text, 'nodejs_eventloop_lag_max_seconds')[0]];
    return p99 === undefined || max === undefined
      ? undefined
      : { p99Ms: Math.round(p99 * 10_000) / 10, maxMs: Math.round(max * 10_000) / 10 };
  } catch {
    return undefined; // not a service of the kit (the bare server)
  }
}

const loadOn = (target: Target, connections: number, durationSeconds: number) => ({
  url: target.url,
  requests: target.requests,
  connections,
  durationSeconds,
  ...(target.headers ? { headers: target.headers } : {}),
});

/** A warm-up, then `repeats` measured runs, with how busy the machine was with other work meanwhile. */
async function driveRepeatedly(target: Target, settings: Settings): Promise<{ runs: RunFigures[]; foreignBusyPercent?: number }> {
  if (settings.warmupSeconds > 0) await runLoad(loadOn(target, settings.connections, settings.warmupSeconds));
  const before = cpuSnapshot();
  const runs: RunFigures[] = [];
  for (let i = 0; i < settings.repeats; i += 1) runs.push(figuresOf(await runLoad(loadOn(target, settings.connections, settings.seconds))));
  const foreign = foreignBusyPercent(before, cpuSnapshot());
  return foreign === undefined ? { runs } : { runs, foreignBusyPercent: foreign };
}

/** A case: what it starts, how its units run, and what to do once it has been measured. */
export interface BenchCase<T extends Target = Target> {
  id: string;
  name: string;
  /** How its units run (production defaults, or a labelled variant). */
  configuration: string;
  start: (group: ProcessGroup) => Promise<T>;
  /** Also recorded, under this name: how long the target took to become ready (a system started as one process). */
  startedAs?: string;
  /** Runs after the measured runs (reads, replicas...), before the processes are stopped. */
  afterLoad?: (target: T) => Promise<void>;
}
export type RequestPathCase = BenchCase;

/** Starts a case's target, records its start when asked, lets it idle and reads its memory. */
async function startIdle<T extends Target>(group: ProcessGroup, spec: BenchCase<T>, settings: Settings, collected: Collected): Promise<T> {
  const target = await spec.start(group);
  if (spec.startedAs && 'readyMs' in target)
    collected.starts.push({ unit: spec.startedAs, caseId: spec.id, readyMs: target.readyMs as number });
  await sleep(settings.idleSeconds * 1000);
  collected.memory.push(...memoryOf(spec.id, 'idle', target.processes));
  return target;
}

export async function runRequestPathCase<T extends Target>(
  group: ProcessGroup,
  spec: BenchCase<T>,
  settings: Settings,
  collected: Collected,
): Promise<CaseResult> {
  const base = { id: spec.id, name: spec.name, configuration: spec.configuration, unit: 'requests/s' as const, runs: [] };
  try {
    const target = await startIdle(group, spec, settings, collected);
    await eventLoopDelay(target.url); // starts its histogram afresh
    const driven = await driveRepeatedly(target, settings);
    const delay = await eventLoopDelay(target.url);
    collected.memory.push(...memoryOf(spec.id, 'after load', target.processes));
    await spec.afterLoad?.(target);
    return { ...base, ...driven, ...(delay ? { eventLoopDelayMs: delay } : {}) };
  } catch (error) {
    return { ...base, error: failure(error) };
  } finally {
    await group.stopAll();
  }
}

/** Completed deliveries/s: `repeats` runs of `e2eRequests` delivery requests through the gateway, each timed until all are scheduled. */
export async function runEndToEndCase<T extends SystemTarget>(
  group: ProcessGroup,
  spec: BenchCase<T>,
  settings: Settings,
  collected: Collected,
): Promise<CaseResult> {
  const base = { id: spec.id, name: spec.name, configuration: spec.configuration, unit: 'completed deliveries/s' as const, runs: [] };
  try {
    const system = await startIdle(group, spec, settings, collected);
    const numbering = { next: 0, firstPickup: Date.now() + 3_600_000 };
    const options = {
      url: system.url,
      headers: system.headers ?? {},
      ownerId: ORIGINAL_SAMPLE.ownerId,
      workflowUrl: system.workflowUrl,
      numbering,
      connections: settings.e2eConnections,
    };
    await runEndToEnd({ ...options, requests: settings.e2eWarmupRequests, warmupRequests: 0 });
    const before = cpuSnapshot();
    const results: EndToEndResult[] = [];
    for (let i = 0; i < settings.repeats; i += 1)
      results.push(await runEndToEnd({ ...options, requests: settings.e2eRequests, warmupRequests: 0 }));
    const foreign = foreignBusyPercent(before, cpuSnapshot());
    collected.memory.push(...memoryOf(spec.id, 'after load', system.processes));
    await spec.afterLoad?.(system);
    return {
      ...base,
      runs: results.map((r) => ({ throughput: r.completedPerSecond, p50Ms: r.requestP50Ms, p99Ms: r.requestP99Ms, errors: r.rejected })),
      endToEnd: results,
      ...(foreign === undefined ? {} : { foreignBusyPercent: foreign }),
    };
  } catch (error) {
    return { ...base, error: failure(error) };
  } finally {
    await group.stopAll();
  }
}

/** The sample's owner, as the gateway forwards a customer of that owner to the services. */
const SAMPLE_CUSTOMER: Caller = {
  subject: `dev-${ORIGINAL_SAMPLE.ownerId}`,
  roles: new Set(['customer']),
  ownerId: ORIGINAL_SAMPLE.ownerId,
};

/**
 * What the gateway adds to one read: a delivery's status over one connection (no queueing)
 * through the gateway, and straight from the delivery service with the identity the gateway
 * would forward — the one upstream call the gateway makes for it.
 */
export async function measureReadOverhead(system: SystemTarget, seconds: number): Promise<ReadOverhead> {
  const accepted = await fetch(`${system.url}${gatewayRoutes.requestDelivery.url}`, {
    method: 'POST',
    headers: { ...system.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ ...ORIGINAL_SAMPLE, pickupTime: new Date(Date.now() + 7_200_000).toISOString() }),
  });
  if (accepted.status !== 202) throw new Error(`the delivery to read was not accepted: ${accepted.status} ${await accepted.text()}`);
  const { deliveryId } = (await accepted.json()) as { deliveryId: string };
  const direct = {
    url: system.urls.delivery,
    path: pathOf(deliveryRoutes.status, { id: deliveryId }),
    headers: identityHeaders(SAMPLE_CUSTOMER),
  };
  for (const deadline = Date.now() + 30_000; (await fetch(`${direct.url}${direct.path}`, { headers: direct.headers })).status !== 200; ) {
    if (Date.now() > deadline) throw new Error(`delivery ${deliveryId} never reached the delivery service`);
    await sleep(50);
  }
  const read = async (url: string, path: string, headers: Record<string, string>) => {
    const load = { url, requests: [{ method: 'GET' as const, path }], headers, connections: 1, durationSeconds: 1 };
    await runLoad(load);
    return runLoad({ ...load, durationSeconds: seconds });
  };
  const viaGateway = await read(system.url, pathOf(gatewayRoutes.deliveryStatus, { id: deliveryId }), system.headers ?? {});
  const straight = await read(direct.url, direct.path, direct.headers);
  if (viaGateway.failedChecks + viaGateway.errors + straight.failedChecks + straight.errors > 0)
    throw new Error('a status read failed while measuring the gateway overhead');
  return {
    directP50Ms: straight.latencyMs.p50,
    gatewayP50Ms: viaGateway.latencyMs.p50,
    directP99Ms: straight.latencyMs.p99,
    gatewayP99Ms: viaGateway.latencyMs.p99,
    addedP50Ms: Math.round((viaGateway.latencyMs.p50 - straight.latencyMs.p50) * 100) / 100,
  };
}

/** Each unit's start as its own process (a replica joining the running system): spawn → ready, and its idle memory. */
export async function measureReplicaStarts(system: SeparateSystem, caseId: string, idleSeconds: number, collected: Collected) {
  for (const name of Object.keys(system.urls) as (keyof SeparateSystem['urls'])[]) {
    const { replica, readyMs } = await system.startReplica(name);
    collected.starts.push({ unit: name, caseId, readyMs });
    await sleep(idleSeconds * 1000);
    collected.memory.push(...memoryOf(caseId, 'replica idle', [replica]).map((sample) => ({ ...sample, process: name })));
    await replica.stop();
  }
}
