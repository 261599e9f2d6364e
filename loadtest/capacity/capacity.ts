// node loadtest/capacity/capacity.ts <service> [--help]: one instance held to a CPU budget,
// step-loaded to the highest rate whose p95 stays under the SLO; writes the report, the
// latency chart and a values overlay with the HPA settings under loadtest/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import { runAs } from '../bench/production.ts';
import { latencyChartSvg } from './chart-svg.ts';
import { type AppliedBudget, applyBudget, coreCount, pinProcess, planBudget } from './cpu-budget.ts';
import { checkOverlay, type HelmCheck } from './helm-check.ts';
import { deriveHpaSettings, type HpaSettings } from './hpa-settings.ts';
import { overlayYaml } from './overlay-yaml.ts';
import { processCpusAllowed } from './proc-stats.ts';
import { type CapacityRun, reportMarkdown } from './report.ts';
import { capacityOf, type Step, stepLoad } from './step-load.ts';
import { isService, SERVICES, startTarget, type Target } from './targets.ts';

const repository = fileURLToPath(new URL('../..', import.meta.url));
const OPTIONS = {
  'slo-p95-ms': { type: 'string', default: '50' },
  'peak-rps': { type: 'string', default: '3000' },
  'base-rps': { type: 'string', default: '0' },
  'cpu-budget-millicores': { type: 'string', default: '1000' },
  'step-seconds': { type: 'string', default: '10' },
  'warmup-seconds': { type: 'string', default: '5' },
  'start-rps': { type: 'string', default: '200' },
  factor: { type: 'string', default: '1.4' },
  bisect: { type: 'string', default: '1' },
  'max-rps': { type: 'string', default: '50000' },
  'max-error-rate': { type: 'string', default: '0.01' },
  'min-throughput-ratio': { type: 'string', default: '0.9' },
  'target-share': { type: 'string', default: '0.7' },
  'contention-millicores': { type: 'string', default: '150' },
  retries: { type: 'string', default: '2' },
  'quiet-wait-seconds': { type: 'string', default: '60' },
  'service-env': { type: 'string', multiple: true },
  out: { type: 'string', default: join(repository, 'loadtest/results') },
  help: { type: 'boolean', default: false },
} as const;

const USAGE = `node loadtest/capacity/capacity.ts <${SERVICES.join('|')}> [options]
  --slo-p95-ms 50              the latency objective: a step passes while its p95 stays at or under it
  --peak-rps 3000              the peak rate the replicas must carry (sets maxReplicas)
  --base-rps 0                 the lowest steady rate (minReplicas carries it; never below 2)
  --cpu-budget-millicores 1000 the pod's CPU limit: whole cores by taskset, a fraction by a CFS quota
  --step-seconds 10            length of each step       --warmup-seconds 5   unrecorded load (4× the start rate) first
  --start-rps 200              first offered rate         --factor 1.4         each step's rate over the last
  --bisect 1                   steps between the last good and first bad rate (0 = none)
  --max-rps 50000              stop the ladder here       --target-share 0.7   per-pod target / capacity
  --max-error-rate 0.01        --min-throughput-ratio 0.9 (completed / offered)
  --contention-millicores 150  CPU of other work on the machine above which a failed step is
  --retries 2                  measured again (up to this many times), and before each step
  --quiet-wait-seconds 60      the service's cores must be that quiet (waiting up to this long)
  --service-env KEY=VALUE      a setting for the service under test (repeatable), e.g. UPSTREAM_CONNECTIONS=64
  --out loadtest/results       where the report, chart, JSON and overlay go`;

function numberOption(values: Record<string, unknown>, name: string, check: (value: number) => boolean = (v) => v > 0): number {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || !check(value)) throw new Error(`--${name} ${String(values[name])} is not valid`);
  return value;
}

const { values, positionals } = parseArgs({ options: OPTIONS, allowPositionals: true });
const service = positionals[0] ?? '';
if (values.help || !isService(service) || positionals.length > 1) {
  process.stderr.write(`${values.help ? '' : `Name one service (${SERVICES.join(', ')}).\n`}${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}

const criteria = {
  sloP95Ms: numberOption(values, 'slo-p95-ms'),
  maxErrorRate: numberOption(values, 'max-error-rate', (v) => v >= 0 && v < 1),
  minThroughputRatio: numberOption(values, 'min-throughput-ratio', (v) => v > 0 && v <= 1),
};
const budgetMillicores = numberOption(values, 'cpu-budget-millicores', (v) => v > 0 && Number.isInteger(v));
const peakRps = numberOption(values, 'peak-rps');
const baseRps = numberOption(values, 'base-rps', (v) => v >= 0);
const targetShare = numberOption(values, 'target-share', (v) => v > 0 && v <= 1);
const ladder = {
  criteria,
  startRps: numberOption(values, 'start-rps', (v) => v >= 1 && Number.isInteger(v)),
  factor: numberOption(values, 'factor', (v) => v > 1),
  stepSeconds: numberOption(values, 'step-seconds', (v) => v >= 1 && Number.isInteger(v)),
  warmupSeconds: numberOption(values, 'warmup-seconds', (v) => v >= 0 && Number.isInteger(v)),
  bisections: numberOption(values, 'bisect', (v) => v >= 0 && Number.isInteger(v)),
  maxRps: numberOption(values, 'max-rps'),
  contentionMillicores: numberOption(values, 'contention-millicores', (v) => v >= 0),
  retries: numberOption(values, 'retries', (v) => v >= 0 && Number.isInteger(v)),
  quietWaitSeconds: numberOption(values, 'quiet-wait-seconds', (v) => v >= 0),
};
const out = values.out;
const serviceEnv = Object.fromEntries(
  (values['service-env'] ?? []).map((assignment) => {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(assignment);
    if (!match) throw new Error(`--service-env ${assignment} is not KEY=VALUE`);
    return [match[1] as string, match[2] as string];
  }),
);
const log = (line: string) => process.stderr.write(`${line}\n`);

const plan = planBudget(budgetMillicores, coreCount());
const cores = { service: plan.serviceCores, other: plan.otherCores };
// The load generator (this process) and every helper it starts stay off the service's cores.
pinProcess(process.pid, plan.otherCores);
// Every process started, pinned from its first instruction; killed at exit, whatever happened.
const processes = new ProcessGroup();
let target: Target | undefined;
let applied: AppliedBudget | undefined;
let steps: Step[] = [];
let failure: unknown;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    log(`${signal}: stopping every process started`);
    processes.killNow();
    // The killed service leaves its cgroup a moment later; only then can the cgroup go.
    setTimeout(() => {
      applied?.release();
      process.exit(130);
    }, 500);
  });

try {
  log(`starting ${service} on core(s) ${plan.serviceCores.join(',')}, helpers and load generator on ${plan.otherCores.join(',')}`);
  target = await startTarget(service, processes, await runAs(processes), cores, serviceEnv);
  applied = applyBudget(target.underTest.pid, plan);
  const allowed = processCpusAllowed(target.underTest.pid);
  applied.mechanism += ` (kernel: Cpus_allowed_list ${allowed})`;
  for (const warning of applied.warnings) log(`warning: ${warning}`);
  log(`budget ${budgetMillicores}m: ${applied.mechanism}`);
  const budget = applied;
  steps = await stepLoad(target, { ...ladder, cores, throttling: () => budget.throttling() }, (step) =>
    log(
      `${step.kind} ${step.offeredRps}/s: ${step.throughputRps}/s done, p50 ${step.latencyMs.p50} p95 ${step.latencyMs.p95} p99 ${step.latencyMs.p99} ms, errors ${(100 * step.errorRate).toFixed(2)}%, CPU ${step.cpuMillicores}m${step.throttling ? ` (throttled in ${step.throttling.throttledPeriods}/${step.throttling.periods} periods)` : ''}, other work ${step.foreignMillicores.serviceCores}m/${step.foreignMillicores.otherCores}m${step.foreignProcesses.length ? ` (${step.foreignProcesses.map((p) => `${p.name} ${p.millicores}m`).join(', ')})` : ''}, ${step.passed ? 'pass' : `FAIL (${step.failures.join('; ')})`}`,
    ),
  );
} catch (error) {
  failure = error;
} finally {
  await processes.stopAll();
  applied?.release();
}
if (failure || !target) {
  log(`capacity run failed: ${failure instanceof Error ? failure.message : String(failure)}`);
  process.exit(1);
}

const capacityRps = capacityOf(steps);
// What a pod completed at that step (at most the offered rate): the per-pod target is a share of it.
const capacityStep = [...steps].reverse().find((step) => step.passed && step.offeredRps === capacityRps);
const servedRps = capacityStep ? Math.min(capacityStep.offeredRps, capacityStep.throughputRps) : 0;
let settings: HpaSettings | undefined;
let settingsError: string | undefined;
try {
  settings = deriveHpaSettings({
    cpu: steps.filter((step) => step.passed).map((step) => ({ rps: step.throughputRps, millicores: step.cpuMillicores })),
    capacityRps: servedRps,
    peakRps,
    baseRps,
    budgetMillicores,
    targetShare,
    peakRssMiB: Math.max(0, ...steps.map((step) => step.rssMiB)),
  });
} catch (error) {
  settingsError = (error as Error).message;
}

mkdirSync(out, { recursive: true });
const display = (path: string) => relative(repository, path) || path;
const overlayFile = join(out, `hpa-${service}.yaml`);
const chartFile = `capacity-${service}.svg`;
const date = new Date().toISOString();
const command = `node loadtest/capacity/capacity.ts ${process.argv.slice(2).join(' ')}`.trim();
let overlay: string | undefined;
let helm: HelmCheck | undefined;
if (settings) {
  overlay = overlayYaml(service, settings, [
    `HPA settings for ${service}, from a capacity run on ${date.slice(0, 10)} (${display(join(out, `capacity-${service}.md`))}):`,
    `${capacityRps} requests/s per pod at p95 <= ${criteria.sloP95Ms} ms on ${budgetMillicores}m; peak ${peakRps} requests/s.`,
    `  helm upgrade --install dronedelivery charts/dronedelivery [-f <your values>] -f ${display(overlayFile)}`,
    'Helm replaces lists (the behavior policies) and merges maps, so this file must come last.',
  ]);
  writeFileSync(overlayFile, overlay);
  log(`checking the overlay with helm template…`);
  helm = checkOverlay(service, overlayFile, display(overlayFile));
  log(helm.ok ? 'helm template: accepted' : `helm template: REFUSED\n${helm.detail}`);
}
const run: CapacityRun = {
  service,
  date,
  command,
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: coreCount(), node: process.version, kernel: release() },
  description: `${target.description}${
    Object.keys(serviceEnv).length
      ? `; with ${Object.entries(serviceEnv)
          .map(([key, value]) => `${key}=${value}`)
          .join(', ')} for ${service}`
      : ''
  }`,
  budget: {
    millicores: budgetMillicores,
    mechanism: applied?.mechanism ?? 'not applied',
    serviceCores: plan.serviceCores,
    otherCores: plan.otherCores,
    warnings: applied?.warnings ?? plan.warnings,
  },
  criteria,
  options: { ...ladder, peakRps, baseRps },
  steps,
  capacityRps,
  servedRps,
  settings,
  settingsError,
  overlayPath: settings ? display(overlayFile) : undefined,
  overlay,
  helm,
  chartFile,
};
writeFileSync(
  join(out, chartFile),
  latencyChartSvg({
    title: `${service}: latency against offered rate (${budgetMillicores}m, SLO p95 ${criteria.sloP95Ms} ms)`,
    points: steps.map((step) => ({ offeredRps: step.offeredRps, ...step.latencyMs, passed: step.passed })),
    sloP95Ms: criteria.sloP95Ms,
    capacityRps,
  }),
);
writeFileSync(join(out, `capacity-${service}.json`), `${JSON.stringify(run, null, 2)}\n`);
writeFileSync(join(out, `capacity-${service}.md`), reportMarkdown(run));
log(
  `capacity ${capacityRps}/s; wrote ${display(join(out, `capacity-${service}.md`))}, .json, .svg${settings ? ` and ${display(overlayFile)}` : ''}`,
);
if (settings) {
  log(
    `requests.cpu ${settings.cpuRequestMillicores}m, limits.cpu ${settings.cpuLimitMillicores}m, target ${settings.targetCPUUtilizationPercentage}%, replicas ${settings.minReplicas}-${settings.maxReplicas}`,
  );
}
process.exit(settings && helm?.ok ? 0 : 1);
