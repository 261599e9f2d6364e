// The capacity report: every step in the table, the capacity with the step that ended the
// ladder, the budget mechanism, the derived settings with their arithmetic, the chart.
import { describe, expect, it } from 'vitest';
import { deriveHpaSettings } from '../capacity/hpa-settings.ts';
import { type CapacityRun, loadSideSaturated, reportMarkdown } from '../capacity/report.ts';
import type { Step } from '../capacity/step-load.ts';

function step(offeredRps: number, passed: boolean, overrides: Partial<Step> = {}): Step {
  return {
    kind: 'step',
    offeredRps,
    connections: 20,
    durationSeconds: 10,
    throughputRps: passed ? offeredRps : Math.round(offeredRps * 0.7),
    requests: offeredRps * 10,
    errorRate: 0,
    statuses: { '202': offeredRps * 10 },
    latencyMs: { p50: 2, p90: 5, p95: passed ? 8 : 90, p99: 12, max: 40, mean: 3 },
    cpuMillicores: offeredRps / 2,
    rssMiB: 80,
    otherCpuMillicores: { 'load generator': 50, 'redis-server': 40 },
    coreMillicores: { 0: 200, 1: 600 },
    foreignMillicores: { serviceCores: 0, otherCores: 10 },
    foreignProcesses: [],
    attempt: 1,
    waitedSeconds: 0,
    throttling: undefined,
    passed,
    failures: passed ? [] : ['p95 90 ms > SLO 50 ms'],
    ...overrides,
  };
}

const steps = [step(1000, true), step(1400, true), step(1960, false), step(1660, true, { kind: 'bisect' })];
const settings = deriveHpaSettings({
  cpu: steps.filter((s) => s.passed).map((s) => ({ rps: s.throughputRps, millicores: s.cpuMillicores })),
  capacityRps: 1660,
  peakRps: 3000,
  budgetMillicores: 1000,
  peakRssMiB: 80,
});
const run: CapacityRun = {
  service: 'ingestion',
  date: '2026-01-01T00:00:00.000Z',
  command: 'node loadtest/capacity/capacity.ts ingestion',
  machine: { cpu: 'Test CPU', cores: 2, node: 'v24.0.0', kernel: '6.0' },
  description: 'POST /api/deliveryrequests',
  budget: { millicores: 1000, mechanism: 'taskset -c 1 (1 whole core)', serviceCores: [1], otherCores: [0], warnings: [] },
  criteria: { sloP95Ms: 50, maxErrorRate: 0.01, minThroughputRatio: 0.9 },
  options: {
    startRps: 1000,
    factor: 1.4,
    stepSeconds: 10,
    warmupSeconds: 3,
    peakRps: 3000,
    baseRps: 0,
    contentionMillicores: 150,
    retries: 2,
  },
  steps,
  capacityRps: 1660,
  servedRps: 1660,
  settings,
  settingsError: undefined,
  overlayPath: 'loadtest/results/hpa-ingestion.yaml',
  overlay: 'ingestion:\n  autoscaling:\n    enabled: true\n',
  helm: { ok: true, command: 'helm template …', detail: 'kind: HorizontalPodAutoscaler' },
  chartFile: 'capacity-ingestion.svg',
};

describe('reportMarkdown', () => {
  const text = reportMarkdown(run);

  it('states the capacity in its title and which step ended the ladder', () => {
    expect(text.split('\n')[0]).toBe('# Capacity of ingestion: 1660 requests/s per pod at p95 ≤ 50 ms on 1000m');
    expect(text).toContain(
      '**1660 requests/s** is the highest offered rate that passed (1660/s completed, which the settings start from); the first failing step was 1960/s (p95 90 ms > SLO 50 ms)',
    );
  });

  it('has one table row per step, and names the budget mechanism', () => {
    expect(text.split('\n').filter((line) => /^\| \d+ \| (step|bisect) \|/.test(line))).toHaveLength(steps.length);
    expect(text).toContain('held by taskset -c 1 (1 whole core)');
    expect(text).toContain("**Configuration**: production defaults: each unit compiled and started with its image's command");
    expect(text).toContain('**fail**: p95 90 ms > SLO 50 ms');
    const throttled = reportMarkdown({
      ...run,
      steps: [step(1000, true, { throttling: { periods: 100, throttledPeriods: 40, throttledMs: 1900 } })],
    });
    expect(throttled).toContain('500m (throttled in 40 of 100 periods, 1900 ms)');
  });

  it('shows the derived settings with their arithmetic, the chart and the helm check', () => {
    expect(text).toContain(`| autoscaling.targetCPUUtilizationPercentage | ${settings.targetCPUUtilizationPercentage} |`);
    for (const line of settings.arithmetic) expect(text).toContain(`- ${line}`);
    expect(text).toContain('![latency against offered rate](capacity-ingestion.svg)');
    expect(text).toContain('## Helm check: accepted');
  });

  it('says why no settings were derived when nothing passed', () => {
    const none = reportMarkdown({
      ...run,
      steps: [step(1000, false)],
      capacityRps: 0,
      settings: undefined,
      settingsError: 'no step passed',
      overlay: undefined,
      helm: undefined,
    });
    expect(none.split('\n')[0]).toContain('no step passed');
    expect(none).toContain('Not derived: no step passed.');
  });

  it('mentions other work on the machine only when there was some', () => {
    expect(text).not.toContain('Other work on the machine');
    const busy = reportMarkdown({
      ...run,
      steps: [...steps, step(1960, false, { attempt: 2, foreignMillicores: { serviceCores: 400, otherCores: 0 } })],
    });
    expect(busy).toContain('took up to 400m of the service');
    expect(busy).toContain('(1 repeat)');
  });

  it('cautions about a busy load side only by the last attempt at a rate', () => {
    const busyFirst = step(1400, false, { coreMillicores: { 0: 950, 1: 300 } });
    const calmAgain = step(1400, true, { attempt: 2 });
    expect(reportMarkdown({ ...run, steps: [busyFirst, calmAgain] })).not.toContain('**Caution**');
    expect(reportMarkdown({ ...run, steps: [calmAgain, busyFirst] })).toContain('**Caution**: in step 1400/s');
  });
});

describe('loadSideSaturated', () => {
  it('is true only when every core outside the budget was nearly full while the service had CPU to spare', () => {
    expect(loadSideSaturated(step(1000, true, { coreMillicores: { 0: 950, 1: 500 } }), [0], 1000)).toBe(true);
    expect(loadSideSaturated(step(1000, true, { coreMillicores: { 0: 790, 1: 1000 } }), [0], 1000)).toBe(false);
    expect(loadSideSaturated(step(1000, true, { coreMillicores: { 0: 950, 1: 990 }, cpuMillicores: 980 }), [0], 1000)).toBe(false);
    expect(loadSideSaturated(step(1000, true), [], 1000)).toBe(false);
  });
});
