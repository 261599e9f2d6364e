// One bench case from start to stop: start its processes, let them idle and read their
// memory, drive them (warm-up, then the measured run), stop everything the case started.
// A case that fails is recorded as failed; the run goes on with the next one.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessGroup, RunningProcess } from '@dronedelivery/service-kit/testing';
import { type LoadResult, runLoad } from '../src/measure.ts';
import { runEndToEnd } from './end-to-end.ts';
import { cpuSnapshot, foreignBusyPercent, residentMemory } from './measures.ts';
import type { CaseResult, RssSample, Settings } from './report.ts';
import { startPipeline, startRedis, type Target } from './targets.ts';

const loadOn = (target: Target, connections: number) => ({
  url: target.url,
  requests: target.requests,
  connections,
  ...(target.headers ? { headers: target.headers } : {}),
});

/**
 * The same load for every request-path case: warm-up, then the measured run, during which
 * the share of the machine busy with other work is measured too.
 */
export async function driveTarget(
  target: Target,
  settings: Pick<Settings, 'connections' | 'warmupSeconds' | 'seconds'>,
): Promise<{ load: LoadResult; foreignBusyPercent?: number }> {
  const load = loadOn(target, settings.connections);
  if (settings.warmupSeconds > 0) await runLoad({ ...load, durationSeconds: settings.warmupSeconds });
  const before = cpuSnapshot();
  const result = await runLoad({ ...load, durationSeconds: settings.seconds });
  return withForeign({ load: result }, foreignBusyPercent(before, cpuSnapshot()));
}

const withForeign = <T extends object>(value: T, foreign: number | undefined): T & { foreignBusyPercent?: number } =>
  foreign === undefined ? value : { ...value, foreignBusyPercent: foreign };

/** Lets the processes settle for `idleSeconds`, then reads each one's RSS. */
async function idleMemory(caseId: string, processes: RunningProcess[], idleSeconds: number): Promise<RssSample[]> {
  await sleep(idleSeconds * 1000);
  return processes.map(({ name, pid }) => ({ process: name, caseId, pid, ...residentMemory(pid) }));
}

const failure = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface RequestPathCase {
  id: string;
  name: string;
  start: (group: ProcessGroup) => Promise<Target>;
  /** Also measure with one connection after the main run: latency without queueing. */
  unloaded?: boolean;
  /** Runs before the processes are stopped (e.g. to stop the profiled one gracefully first). */
  afterLoad?: (target: Target) => Promise<void>;
}

export async function runRequestPathCase(
  group: ProcessGroup,
  spec: RequestPathCase,
  settings: Settings,
  rss: RssSample[] | undefined,
): Promise<CaseResult> {
  const base = { id: spec.id, name: spec.name, unit: 'requests/s' as const };
  try {
    const target = await spec.start(group);
    const memory = await idleMemory(spec.id, target.processes, settings.idleSeconds);
    rss?.push(...memory);
    const { load, foreignBusyPercent } = await driveTarget(target, settings);
    const unloaded =
      spec.unloaded && settings.unloadedSeconds > 0
        ? await runLoad({ ...loadOn(target, 1), durationSeconds: settings.unloadedSeconds })
        : undefined;
    await spec.afterLoad?.(target);
    return withForeign(
      {
        ...base,
        throughput: load.throughput,
        p50Ms: load.latencyMs.p50,
        p99Ms: load.latencyMs.p99,
        errors: load.failedChecks + load.errors,
        load,
        ...(unloaded ? { unloaded } : {}),
      },
      foreignBusyPercent,
    );
  } catch (error) {
    return { ...base, error: failure(error) };
  } finally {
    await group.stopAll();
  }
}

export async function runEndToEndCase(group: ProcessGroup, concurrency: number, settings: Settings, rss: RssSample[]): Promise<CaseResult> {
  const base = {
    id: `e2e-${concurrency}`,
    name: `end to end, workflow concurrency ${concurrency}`,
    unit: 'completed deliveries/s' as const,
  };
  try {
    const pipeline = await startPipeline(group, await startRedis(group), concurrency);
    rss.push(...(await idleMemory(base.id, pipeline.processes, settings.idleSeconds)));
    const before = cpuSnapshot();
    const result = await runEndToEnd({
      ingestionUrl: pipeline.ingestionUrl,
      workflowUrl: pipeline.workflowUrl,
      requests: settings.e2eRequests,
      warmupRequests: settings.e2eWarmupRequests,
      connections: settings.e2eConnections,
    });
    return withForeign(
      {
        ...base,
        throughput: result.completedPerSecond,
        p50Ms: result.ingestionP50Ms,
        p99Ms: result.ingestionP99Ms,
        errors: result.rejected,
        endToEnd: result,
      },
      foreignBusyPercent(before, cpuSnapshot()),
    );
  } catch (error) {
    return { ...base, error: failure(error) };
  } finally {
    await group.stopAll();
  }
}
