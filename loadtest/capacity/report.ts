// The capacity report in Markdown: what was measured and how the CPU budget was held, every
// step, the capacity, the chart, the derived HPA settings with their arithmetic and the
// reasoning behind them, and whether Helm accepts the overlay. Pure.
import type { HelmCheck } from './helm-check.ts';
import type { HpaSettings } from './hpa-settings.ts';
import { type Criteria, type Step, warmupRate } from './step-load.ts';

/** How every unit of a capacity run runs (the bench's production.ts). */
export const PRODUCTION_DEFAULTS =
  "production defaults: each unit compiled and started with its image's command (the telemetry preload), traces sampled at the default ratio and exported over OTLP/HTTP to a collector stand-in, LOG_LEVEL=info (one line per request, to a file), NODE_ENV=production";

export interface CapacityRun {
  service: string;
  date: string;
  command: string;
  machine: { cpu: string; cores: number; node: string; kernel: string };
  description: string;
  budget: { millicores: number; mechanism: string; serviceCores: number[]; otherCores: number[]; warnings: string[] };
  criteria: Criteria;
  options: {
    startRps: number;
    factor: number;
    stepSeconds: number;
    warmupSeconds: number;
    peakRps: number;
    baseRps: number;
    contentionMillicores: number;
    retries: number;
  };
  steps: Step[];
  capacityRps: number;
  /** What the pod completed at the capacity step (the settings start from it). */
  servedRps: number;
  /** Undefined when no step passed. */
  settings: HpaSettings | undefined;
  settingsError: string | undefined;
  overlayPath: string | undefined;
  overlay: string | undefined;
  helm: HelmCheck | undefined;
  chartFile: string;
}

const percent = (share: number) => `${(100 * share).toFixed(share > 0 && share < 0.001 ? 3 : 2)}%`;

/**
 * Whether the cores outside the budget were 80% busy or more while the service had CPU to
 * spare: then the load side (generator, helpers), not the service, may have been the limit.
 */
export function loadSideSaturated(step: Step, otherCores: number[], budgetMillicores: number, threshold = 800): boolean {
  const serviceSpare = step.cpuMillicores < 0.9 * budgetMillicores;
  return serviceSpare && otherCores.length > 0 && otherCores.every((core) => (step.coreMillicores[core] ?? 0) >= threshold);
}

function stepTable(run: CapacityRun): string[] {
  const lines = [
    '| # | kind | offered/s | completed/s | conns | p50 ms | p95 ms | p99 ms | max ms | errors | service CPU | service RSS | load side CPU | other work on the machine | verdict |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|',
  ];
  run.steps.forEach((step, index) => {
    const loadSide = Object.entries(step.otherCpuMillicores)
      .map(([name, millicores]) => `${name} ${millicores}m`)
      .join(', ');
    const foreign = `${step.foreignMillicores.serviceCores}m on the service's cores, ${step.foreignMillicores.otherCores}m on the others${
      step.foreignProcesses.length ? ` (${step.foreignProcesses.map((p) => `${p.name} ${p.millicores}m`).join(', ')})` : ''
    }${step.waitedSeconds > 0 ? `; waited ${step.waitedSeconds} s for quiet` : ''}`;
    const throttled = step.throttling
      ? ` (throttled in ${step.throttling.throttledPeriods} of ${step.throttling.periods} periods, ${step.throttling.throttledMs} ms)`
      : '';
    const verdict = `${step.passed ? 'pass' : `**fail**: ${step.failures.join('; ')}`}${step.attempt > 1 ? ` (attempt ${step.attempt})` : ''}`;
    lines.push(
      `| ${index + 1} | ${step.kind} | ${step.offeredRps} | ${step.throughputRps} | ${step.connections} | ${step.latencyMs.p50} | ${step.latencyMs.p95} | ${step.latencyMs.p99} | ${step.latencyMs.max} | ${percent(step.errorRate)} | ${step.cpuMillicores}m${throttled} | ${step.rssMiB} MiB | ${loadSide} | ${foreign} | ${verdict} |`,
    );
  });
  return lines;
}

function settingsSection(run: CapacityRun, settings: HpaSettings): string[] {
  return [
    '## Derived HPA settings',
    '',
    `For a peak of ${run.options.peakRps} requests/s${run.options.baseRps > 0 ? ` and a base of ${run.options.baseRps} requests/s` : ''}:`,
    '',
    '| setting | value |',
    '|---|---|',
    `| per-pod target rate | ${settings.perPodTargetRps}/s (${Math.round((100 * settings.perPodTargetRps) / settings.capacityRps)}% of ${settings.capacityRps}/s) |`,
    `| resources.requests.cpu | ${settings.cpuRequestMillicores}m |`,
    `| resources.limits.cpu | ${settings.cpuLimitMillicores}m |`,
    `| resources.requests.memory / limits.memory | ${settings.memoryRequestMiB}Mi / ${settings.memoryLimitMiB}Mi |`,
    `| autoscaling.targetCPUUtilizationPercentage | ${settings.targetCPUUtilizationPercentage} |`,
    `| autoscaling.minReplicas / maxReplicas | ${settings.minReplicas} / ${settings.maxReplicas} |`,
    `| behavior.scaleUp | stabilization ${settings.scaleUp.stabilizationWindowSeconds} s; ${settings.scaleUp.policies.map((p) => `${p.value}${p.type === 'Percent' ? '%' : ' pods'} per ${p.periodSeconds} s`).join(' or ')} (${settings.scaleUp.selectPolicy}) |`,
    `| behavior.scaleDown | stabilization ${settings.scaleDown.stabilizationWindowSeconds} s; ${settings.scaleDown.policies.map((p) => `${p.value}${p.type === 'Percent' ? '%' : ' pods'} per ${p.periodSeconds} s`).join(' or ')} (${settings.scaleDown.selectPolicy}) |`,
    '',
    'The arithmetic:',
    '',
    ...settings.arithmetic.map((line) => `- ${line}`),
    '',
    '### Why this request and this utilization target',
    '',
    'The HPA wants `ceil(total CPU used / (target% × request))` pods, so only the product',
    '`target% × request` decides how many pods run: it is the CPU of one pod at the rate it',
    'should carry before another is added. The request alone decides what the scheduler',
    'reserves. So the request is the CPU a pod uses at the rate it will really carry, and the',
    'target is what makes the product match (≤ 100%, the most the values schema allows):',
    '',
    settings.sizingRps === settings.perPodTargetRps
      ? `- the peak needs more than minReplicas, so pods carry up to the target rate: request = CPU at ${settings.perPodTargetRps}/s (${settings.cpuAtSizingMillicores}m → ${settings.cpuRequestMillicores}m), target ${settings.targetCPUUtilizationPercentage}%;`
      : `- minReplicas alone carry the peak, ${settings.sizingRps}/s each, below the target rate of ${settings.perPodTargetRps}/s: request = CPU at ${settings.sizingRps}/s (${settings.cpuAtSizingMillicores}m → ${settings.cpuRequestMillicores}m), not the ${settings.cpuAtTargetMillicores}m of the target rate, which pods would reserve and never use; target ${settings.targetCPUUtilizationPercentage}%, so a pod is added only for traffic beyond the planned peak;`,
    `- the headroom above that (up to ${settings.cpuAtCapacityMillicores}m at the capacity) is burst above the request, up to the`,
    `  ${settings.cpuLimitMillicores}m limit the capacity was measured with;`,
    '- rejected: a request at the CPU of the capacity with a 70% target. The same number of pods,',
    '  but every pod reserves its headroom all the time (1/0.7 = 1.4× the CPU reserved); it buys',
    '  guaranteed CPU for the headroom only on nodes that are full.',
    '',
    'The HPA acts when the average is 10% off the target (its tolerance), so a pod reaches about',
    `${Math.round(1.1 * settings.sizingRps)}/s (${Math.round((110 * settings.sizingRps) / settings.capacityRps)}% of the capacity) before a scale-up starts; the rest of the headroom`,
    'covers the metrics window (the HPA syncs every 15 s on metrics 15–60 s old) and pod start-up.',
    'CPU millicores are those of this machine: a node type with slower or faster cores moves the',
    'capacity, so measure on the node type the cluster uses before trusting the numbers.',
    '',
    ...(settings.warnings.length ? ['**Warnings**:', '', ...settings.warnings.map((w) => `- ${w}`), ''] : []),
  ];
}

/** A sentence on other work that ran on the machine during the steps, if any did. */
function contention(run: CapacityRun): string[] {
  const most = (side: 'serviceCores' | 'otherCores') => Math.max(0, ...run.steps.map((step) => step.foreignMillicores[side]));
  const repeated = run.steps.filter((step) => step.attempt > 1).length;
  const waited = run.steps.reduce((total, step) => total + step.waitedSeconds, 0);
  if (most('serviceCores') <= run.options.contentionMillicores && most('otherCores') <= run.options.contentionMillicores) return [];
  return [
    `**Other work on the machine** (processes this run did not start) took up to ${most('serviceCores')}m of the service's cores and`,
    `${most('otherCores')}m of the others during a step (the last column). Steps waited ${waited} s in all for quiet cores, and a failed`,
    `step disturbed by more than ${run.options.contentionMillicores}m was measured again, up to ${run.options.retries} times (${repeated} repeat${repeated === 1 ? '' : 's'}); the last attempt at a rate`,
    'is the one that counts. Disturbed steps read pessimistic: the capacity is then a lower bound.',
    '',
  ];
}

export function reportMarkdown(run: CapacityRun): string {
  const failed = [...run.steps].reverse().find((step) => !step.passed && step.kind === 'step');
  // A rate measured again counts by its last attempt, here as in the capacity.
  const finalAttempts = [...new Map(run.steps.map((step) => [step.offeredRps, step])).values()];
  const saturated = finalAttempts.filter((step) => loadSideSaturated(step, run.budget.otherCores, run.budget.millicores));
  const lines = [
    `# Capacity of ${run.service}: ${run.capacityRps > 0 ? `${run.capacityRps} requests/s per pod` : 'no step passed'} at p95 ≤ ${run.criteria.sloP95Ms} ms on ${run.budget.millicores}m`,
    '',
    `${run.date}, \`${run.command}\``,
    '',
    `Machine: ${run.machine.cpu}, ${run.machine.cores} cores, Linux ${run.machine.kernel}, Node ${run.machine.node}.`,
    '',
    `**Measured**: ${run.description}.`,
    '',
    `**Configuration**: ${PRODUCTION_DEFAULTS}.`,
    '',
    `**CPU budget** ${run.budget.millicores}m, held by ${run.budget.mechanism}. The service ran on core${run.budget.serviceCores.length > 1 ? 's' : ''} ${run.budget.serviceCores.join(', ')};`,
    `the load generator and the helpers on ${run.budget.otherCores.join(', ')}.`,
    ...run.budget.warnings.map((warning) => `**Warning**: ${warning}.`),
    ...(run.steps.some((step) => step.throttling)
      ? [
          '',
          'Under a CFS quota the service may run only its share of each 100 ms period; once that is spent',
          'it waits for the next one, which adds up to the rest of the period to every request in flight.',
          'That is how a Kubernetes CPU limit below a whole core behaves: it shows in p95 and p99 well',
          'before the average CPU reaches the limit (the service CPU column counts the throttled periods).',
        ]
      : []),
    '',
    `**Load**: after a ${run.options.warmupSeconds} s warm-up at ${warmupRate(run.options.startRps)}/s, steps of ${run.options.stepSeconds} s from ${run.options.startRps}/s, each ${run.options.factor}× the last, until a step`,
    `fails (p95 > ${run.criteria.sloP95Ms} ms, errors > ${percent(run.criteria.maxErrorRate)}, or completed < ${Math.round(100 * run.criteria.minThroughputRatio)}% of offered), then a bisection between the`,
    "last passing and the first failing rate. Requests arrive on a clock at the step's rate (the open model of",
    "`loadtest/src/arrival-rate.ts`, as k6's arrival-rate executors): latency counts from when each request was due,",
    "and at most 'conns' requests (a quarter of a second of arrivals) may be outstanding; one due beyond that is",
    'dropped and counts as an error, so a service that falls behind fails its step instead of being offered less.',
    '',
    '## Steps',
    '',
    ...stepTable(run),
    '',
    ...contention(run),
    `![latency against offered rate](${run.chartFile})`,
    '',
    '## Capacity',
    '',
    run.capacityRps > 0
      ? `**${run.capacityRps} requests/s** is the highest offered rate that passed (${run.servedRps}/s completed, which the settings start from)${failed ? `; the first failing step was ${failed.offeredRps}/s (${failed.failures.join('; ')})` : ' (no step failed: the ladder stopped at its maximum rate, so the capacity is higher)'}.`
      : `No step passed${failed ? ` (the first, ${failed.offeredRps}/s: ${failed.failures.join('; ')})` : ''}.`,
    '',
    ...(saturated.length
      ? [
          `**Caution**: in step${saturated.length > 1 ? 's' : ''} ${saturated.map((step) => `${step.offeredRps}/s`).join(', ')} the cores outside the budget were 80% busy or more while the service`,
          'used less than 90% of its budget, so the load generator or the helpers (queueing on their cores) may have',
          'limited the result: the capacity is then a lower bound.',
          '',
        ]
      : []),
    ...(run.settings
      ? settingsSection(run, run.settings)
      : ['## HPA settings', '', `Not derived: ${run.settingsError ?? 'no capacity'}.`, '']),
    ...(run.overlay && run.overlayPath
      ? ['## Values overlay', '', `\`${run.overlayPath}\`:`, '', '```yaml', run.overlay.trimEnd(), '```', '']
      : []),
    ...(run.helm
      ? [
          `## Helm check: ${run.helm.ok ? 'accepted' : '**refused**'}`,
          '',
          `\`${run.helm.command}\` (values schemas enforced)${run.helm.ok ? ` renders this HPA for ${run.service}:` : ':'}`,
          '',
          '```',
          run.helm.detail,
          '```',
          '',
        ]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}
