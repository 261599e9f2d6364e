// `pnpm bench`: the system as users run it, measured in one run with one load generator
// against the bare node:http ceiling on the same machine. Every unit runs with production
// defaults (production.ts); the telemetry variants beside them only show what telemetry costs.
// Prints the goals table; writes loadtest/results/bench.{json,md}.
//   BENCH_SECONDS=10 BENCH_WARMUP_SECONDS=2 BENCH_REPEATS=3 BENCH_CONNECTIONS=50 BENCH_UNLOADED_SECONDS=5
//   BENCH_E2E_REQUESTS=3000 BENCH_E2E_WARMUP_REQUESTS=300 BENCH_WORKFLOW_CONCURRENCY=16
//   BENCH_PROFILE=1: the gateway under --cpu-prof as well
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseConfigSchema } from '@dronedelivery/service-kit';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import {
  type Collected,
  measureReadOverhead,
  measureReplicaStarts,
  type RequestPathCase,
  runEndToEndCase,
  runRequestPathCase,
} from './cases.ts';
import { runAs, TELEMETRY_LABEL, type Telemetry } from './production.ts';
import { type ProfileSummary, readNewestProfile, summariseProfile } from './profile.ts';
import {
  type BenchReport,
  type CaseResult,
  CEILING,
  consoleReport,
  jsonReport,
  type Machine,
  markdownReport,
  type ProfileRun,
  type ReadOverhead,
  type Settings,
} from './report.ts';
import { startBareHello, startEmbedded, startGatewayToIngestion, startSeparateSystem } from './targets.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));

function numberFrom(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
}

const settings: Settings = {
  connections: numberFrom('BENCH_CONNECTIONS', 50),
  seconds: numberFrom('BENCH_SECONDS', 10),
  warmupSeconds: numberFrom('BENCH_WARMUP_SECONDS', 2),
  repeats: Math.max(1, numberFrom('BENCH_REPEATS', 3)),
  idleSeconds: 3,
  unloadedSeconds: numberFrom('BENCH_UNLOADED_SECONDS', 5),
  e2eRequests: numberFrom('BENCH_E2E_REQUESTS', 3000),
  e2eWarmupRequests: numberFrom('BENCH_E2E_WARMUP_REQUESTS', 300),
  e2eConnections: 20,
  // The workflow's own default (WORKFLOW_CONCURRENCY), as production runs it.
  workflowConcurrency: numberFrom('BENCH_WORKFLOW_CONCURRENCY', 16),
  profile: process.env.BENCH_PROFILE === '1',
};

const CONFIGURATION =
  "a unit in a process of its own runs compiled, with its image's command (`node --conditions=production --enable-source-maps --import @dronedelivery/service-kit/telemetry dist/main.js`); " +
  'NODE_ENV=production, LOG_LEVEL=info (one line per request, to a file), traces sampled at the default ratio and exported over OTLP/HTTP to a collector stand-in ' +
  'in the bench process; load through the gateway with a customer token (HS256), its rate limit counted in Redis (the limit lifted: the load is one caller); ' +
  "BullMQ on a private redis-server with AOF (appendfsync everysec); the services' stores in memory. Embedded: the whole system in one process, " +
  'as `npm start` runs it (its TypeScript sources with the telemetry preload), with the same settings and its in-memory queue.';

function machine(): Machine {
  let redis = 'redis-server not found';
  try {
    redis = `Redis ${/v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? ''}`.trim();
  } catch {
    // Reported as missing; the Redis cases fail and say why.
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    redis,
  };
}

/** The gateway case's id for each telemetry variant (the report's goals read these). */
const GATEWAY_CASE_ID: Record<Telemetry, string> = {
  default: 'gateway',
  off: 'gateway-telemetry-off',
  'every-trace': 'gateway-every-trace',
};

const gatewayCase = (telemetry: Telemetry): RequestPathCase => ({
  id: GATEWAY_CASE_ID[telemetry],
  name: 'POST a delivery request: gateway → ingestion → BullMQ, separate processes',
  configuration: TELEMETRY_LABEL[telemetry],
  start: async (group) => startGatewayToIngestion(group, await runAs(group, telemetry)),
});

const requestPathCases: RequestPathCase[] = [
  { id: CEILING, name: 'bare node:http hello (the ceiling)', configuration: 'GET /hello, nothing else', start: startBareHello },
  gatewayCase('default'),
  gatewayCase('off'),
  gatewayCase('every-trace'),
  {
    id: 'embedded',
    name: 'POST a delivery request through the gateway, embedded (`npm start`)',
    configuration: TELEMETRY_LABEL.default,
    startedAs: 'embedded system',
    start: async (group) => startEmbedded(group, await runAs(group)),
  },
];

/** The gateway case once more, the gateway under --cpu-prof; the profile is written as it exits. */
async function profileGateway(group: ProcessGroup, collected: Collected): Promise<ProfileRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpuprofile-'));
  let summary: ProfileSummary | undefined;
  const run = await runRequestPathCase(
    group,
    {
      ...gatewayCase('default'),
      id: 'gateway-profiled',
      start: async (g) => {
        g.defer(() => rmSync(dir, { recursive: true, force: true }));
        return startGatewayToIngestion(g, await runAs(g), ['--cpu-prof', '--cpu-prof-dir', dir]);
      },
      afterLoad: async (target) => {
        await target.processes[0]?.stop();
        summary = summariseProfile(readNewestProfile(dir), { top: 20, root: repoRoot });
      },
    },
    { ...settings, repeats: 1 },
    collected,
  );
  return summary ? { case: run, summary } : { case: run, error: run.error ?? 'no profile' };
}

// Whatever the group still runs is killed if the bench exits or is interrupted.
const group = new ProcessGroup();
const started = performance.now();
const cases: CaseResult[] = [];
const collected: Collected = { memory: [], starts: [] };
let readOverhead: ReadOverhead | undefined;
let profile: ProfileRun | undefined;
const progress = (text: string) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
try {
  for (const spec of requestPathCases) {
    progress(`${spec.name} · ${spec.configuration}`);
    cases.push(await runRequestPathCase(group, spec, settings, collected));
  }
  progress('end to end, separate processes; then the gateway overhead on a read and each unit starting alone');
  cases.push(
    await runEndToEndCase(
      group,
      {
        id: 'e2e',
        name: 'completed deliveries end to end, separate processes',
        configuration: TELEMETRY_LABEL.default,
        start: async (g) => startSeparateSystem(g, await runAs(g), settings.workflowConcurrency),
        afterLoad: async (system) => {
          readOverhead = await measureReadOverhead(system, settings.unloadedSeconds);
          await measureReplicaStarts(system, 'e2e', settings.idleSeconds, collected);
        },
      },
      settings,
      collected,
    ),
  );
  progress('end to end, embedded');
  cases.push(
    await runEndToEndCase(
      group,
      {
        id: 'e2e-embedded',
        name: 'completed deliveries end to end, embedded (`npm start`)',
        configuration: TELEMETRY_LABEL.default,
        startedAs: 'embedded system',
        start: async (g) => startEmbedded(g, await runAs(g), settings.workflowConcurrency),
      },
      settings,
      collected,
    ),
  );
  if (settings.profile) {
    progress('the gateway under --cpu-prof');
    profile = await profileGateway(group, { memory: [], starts: [] });
  }
} finally {
  await group.stopAll();
}
progress('done');

const report: BenchReport = {
  date: new Date().toISOString(),
  machine: machine(),
  settings,
  configuration: CONFIGURATION,
  cases,
  memory: collected.memory,
  starts: collected.starts,
  loadShedThresholdMs: baseConfigSchema.parse({}).LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
  ...(readOverhead ? { readOverhead } : {}),
  ...(profile ? { profile } : {}),
};
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'bench.json'), jsonReport(report));
writeFileSync(join(resultsDir, 'bench.md'), markdownReport(report));
process.stdout.write(consoleReport(report));
process.stdout.write(`\nWrote ${join(resultsDir, 'bench.md')} and bench.json\n`);
if (cases.some((c) => c.error !== undefined) || profile?.error !== undefined) process.exitCode = 1;
