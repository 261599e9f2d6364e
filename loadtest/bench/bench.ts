// `pnpm bench`: one run, one load generator, side by side on this machine: the bare node:http
// ceiling, the service kit's hello route, ingestion direct and through the gateway, and the
// end-to-end rate of completed deliveries. Prints a table; writes loadtest/results/bench.{json,md}.
//   node loadtest/bench/bench.ts   BENCH_SECONDS=10 BENCH_WARMUP_SECONDS=2 BENCH_CONNECTIONS=50 BENCH_UNLOADED_SECONDS=3
//   BENCH_E2E_REQUESTS=3000 BENCH_E2E_WARMUP_REQUESTS=300 BENCH_E2E_CONCURRENCY="8 32"   BENCH_PROFILE=1: profile the gateway too
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import { type RequestPathCase, runEndToEndCase, runRequestPathCase } from './cases.ts';
import { type ProfileSummary, readNewestProfile, summariseProfile } from './profile.ts';
import {
  type BenchReport,
  buildReport,
  type CaseResult,
  CEILING,
  consoleReport,
  jsonReport,
  type Machine,
  markdownReport,
  type ProfileRun,
  type RssSample,
  type Settings,
} from './report.ts';
import { startBareHello, startGatewayToIngestion, startIngestion, startKitHello, startRedis } from './targets.ts';

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
  idleSeconds: 2,
  unloadedSeconds: numberFrom('BENCH_UNLOADED_SECONDS', 3),
  e2eRequests: numberFrom('BENCH_E2E_REQUESTS', 3000),
  e2eWarmupRequests: numberFrom('BENCH_E2E_WARMUP_REQUESTS', 300),
  e2eConnections: 20,
  e2eConcurrencies: (process.env.BENCH_E2E_CONCURRENCY ?? '8 32').trim().split(/\s+/).map(Number),
  profile: process.env.BENCH_PROFILE === '1',
};

function machine(): Machine {
  let redis = 'redis-server not found';
  try {
    redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'redis-server';
    redis = `Redis ${redis}`;
  } catch {
    // Reported as missing; the Redis cases will fail and say why.
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

const requestPathCases: RequestPathCase[] = [
  { id: CEILING, name: 'bare node:http hello', start: startBareHello },
  { id: 'kit', name: 'service-kit hello route', start: startKitHello },
  {
    id: 'ingestion',
    name: 'ingestion, direct',
    start: async (group) => startIngestion(group, await startRedis(group)),
    unloaded: true,
  },
  {
    id: 'gateway',
    name: 'ingestion through the gateway',
    start: async (group) => startGatewayToIngestion(group, await startRedis(group)),
    unloaded: true,
  },
];

/**
 * The through-gateway case once more, the gateway under --cpu-prof. The profile is written when
 * the gateway exits, so it is stopped gracefully after the load and its profile summarised then.
 */
async function profileGateway(group: ProcessGroup): Promise<ProfileRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpuprofile-'));
  let summary: ProfileSummary | undefined;
  const run = await runRequestPathCase(
    group,
    {
      id: 'gateway-profiled',
      name: 'ingestion through the gateway (gateway under --cpu-prof)',
      start: async (g) => {
        g.defer(() => rmSync(dir, { recursive: true, force: true }));
        return startGatewayToIngestion(g, await startRedis(g), ['--cpu-prof', '--cpu-prof-dir', dir]);
      },
      afterLoad: async (target) => {
        // The gateway: it writes its profile as it exits (it was given 30 s for that).
        await target.processes[0]?.stop();
        summary = summariseProfile(readNewestProfile(dir), { top: 15, root: repoRoot });
      },
    },
    settings,
    undefined,
  );
  return summary ? { case: run, summary } : { case: run, error: run.error ?? 'no profile' };
}

// Whatever the group still runs is killed if the bench exits or is interrupted.
const group = new ProcessGroup();

const started = performance.now();
const cases: CaseResult[] = [];
const rss: RssSample[] = [];
let profile: ProfileRun | undefined;
const progress = (text: string) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);
try {
  for (const spec of requestPathCases) {
    progress(spec.name);
    cases.push(await runRequestPathCase(group, spec, settings, rss));
  }
  for (const concurrency of settings.e2eConcurrencies) {
    progress(`end to end, workflow concurrency ${concurrency}`);
    cases.push(await runEndToEndCase(group, concurrency, settings, rss));
  }
  if (settings.profile) {
    progress('ingestion through the gateway, gateway under --cpu-prof');
    profile = await profileGateway(group);
  }
} finally {
  await group.stopAll();
}
progress('done');

const report: BenchReport = buildReport({
  date: new Date().toISOString(),
  machine: machine(),
  settings,
  cases,
  rss,
  ...(profile ? { profile } : {}),
});
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'bench.json'), jsonReport(report));
writeFileSync(join(resultsDir, 'bench.md'), markdownReport(report));
process.stdout.write(consoleReport(report));
process.stdout.write(`\nWrote ${join(resultsDir, 'bench.md')} and bench.json\n`);
if (cases.some((c) => c.error !== undefined) || profile?.error !== undefined) process.exitCode = 1;
