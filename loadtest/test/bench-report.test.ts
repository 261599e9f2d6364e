// The bench's report: spreads over repeats, ratios to the ceiling, the goals table, telemetry's
// cost, memory per process, and the console, markdown and JSON forms of one made-up run.
import { describe, expect, it } from 'vitest';
import {
  type BenchReport,
  backgroundNotes,
  type CaseResult,
  consoleReport,
  goals,
  groupDigits,
  jsonReport,
  markdownReport,
  markdownTable,
  ratioToCeiling,
  spread,
  summariseMemory,
  telemetryShare,
  textTable,
} from '../bench/report.ts';

const runs = (...throughputs: number[]) => throughputs.map((throughput) => ({ throughput, p50Ms: 2, p99Ms: 20, errors: 0 }));
const requestPath = (id: string, ...throughputs: number[]): CaseResult => ({
  id,
  name: `${id} case`,
  configuration: 'production defaults',
  unit: 'requests/s',
  runs: runs(...throughputs),
});
const UNITS = ['gateway', 'ingestion', 'workflow', 'delivery', 'package', 'dronescheduler'];

function report(overrides: Partial<BenchReport> = {}): BenchReport {
  return {
    date: '2026-01-02T03:04:05.000Z',
    machine: { cpuModel: 'Test CPU', cpus: 2, memoryGiB: 8, os: 'Linux 6.1', node: 'v24.0.0', redis: 'Redis 7.0.15' },
    settings: {
      connections: 50,
      seconds: 10,
      warmupSeconds: 2,
      repeats: 3,
      idleSeconds: 3,
      unloadedSeconds: 5,
      e2eRequests: 3000,
      e2eWarmupRequests: 300,
      e2eConnections: 20,
      workflowConcurrency: 32,
      profile: false,
    },
    configuration: 'telemetry on, info logs',
    cases: [
      requestPath('ceiling', 40_000, 50_000, 45_000),
      { ...requestPath('gateway', 6_000, 5_000, 5_500), eventLoopDelayMs: { p99Ms: 12.5, maxMs: 40 } },
      requestPath('gateway-telemetry-off', 6_000, 6_100, 6_200),
      requestPath('embedded', 2_000, 2_500, 3_000),
      { id: 'e2e', name: 'end to end', configuration: 'production defaults', unit: 'completed deliveries/s', runs: runs(900, 1000, 1100) },
      {
        id: 'e2e-embedded',
        name: 'end to end, embedded',
        configuration: 'production defaults',
        unit: 'completed deliveries/s',
        runs: [],
        error: 'only 12 of 3000 deliveries were scheduled in time',
      },
    ],
    memory: [
      ...UNITS.map((process, i) => ({ process, caseId: 'e2e', when: 'replica idle' as const, rssMb: 90, anonMb: 41 + i, pssMb: 60 })),
      { process: 'embedded system', caseId: 'embedded', when: 'idle', rssMb: 140, anonMb: 100 },
      { process: 'embedded system', caseId: 'embedded', when: 'after load', rssMb: 260, anonMb: 200 },
      { process: 'gateway', caseId: 'gateway', when: 'idle' },
    ],
    starts: [
      ...UNITS.map((unit, i) => ({ unit, caseId: 'e2e', readyMs: 500 + i * 100 })),
      { unit: 'embedded system', caseId: 'embedded', readyMs: 1800 },
    ],
    loadShedThresholdMs: 1000,
    readOverhead: { directP50Ms: 0.4, gatewayP50Ms: 0.65, directP99Ms: 1, gatewayP99Ms: 1.5, addedP50Ms: 0.25 },
    ...overrides,
  };
}

describe('spreads over repeated runs', () => {
  it('gives min, median and max (the mean of the middle two for an even count)', () => {
    expect(spread([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ min: 1, median: 2.5, max: 4 });
    expect(spread([])).toBeUndefined();
  });

  it('divides a case by the ceiling run for run: min by min, median by median', () => {
    expect(ratioToCeiling(report(), 'gateway')).toEqual({ min: 0.125, median: 0.1222, max: 0.12 });
    expect(ratioToCeiling(report(), 'e2e-embedded')).toBeUndefined();
  });

  it('is unknown when the ceiling itself failed', () => {
    const failed = report({ cases: [{ ...requestPath('ceiling'), error: 'no port' }, requestPath('gateway', 1)] });
    expect(ratioToCeiling(failed, 'gateway')).toBeUndefined();
  });

  it('says what telemetry costs as the share of throughput kept', () => {
    expect(telemetryShare(report(), 'gateway', 'gateway-telemetry-off')).toBe(0.902);
  });
});

describe('goals', () => {
  const byFigure = (r: BenchReport) => Object.fromEntries(goals(r).map((g) => [g.figure, g]));

  it('judges each goal from its cases, with production defaults', () => {
    const g = byFigure(report());
    expect(g['through the gateway ÷ ceiling, separate processes']?.met).toBe(true);
    expect(g['through the gateway ÷ ceiling, embedded (`npm start`)']?.met).toBe(false);
    expect(g['completed deliveries/s end to end on Redis, separate processes']?.met).toBe(false);
    expect(g['completed deliveries/s, embedded']).toMatchObject({ measured: 'not measured', met: undefined });
    expect(g['idle anonymous memory (RssAnon) per service']).toMatchObject({ met: false });
    expect(g['idle anonymous memory (RssAnon) per service']?.measured).toContain('largest 46.0 MB');
    expect(g['embedded RSS idle / after load']).toMatchObject({ measured: '140 / 260 MB', met: false });
    expect(g['start to ready: slowest service / embedded']).toMatchObject({ measured: '1.00 s / 1.80 s', met: true });
    expect(g['gateway one-connection overhead on a read (p50)']?.met).toBe(true);
    expect(g['cost of telemetry at its default sampling (gateway, separate processes)']).toMatchObject({
      measured: '9.8 % of throughput',
      met: true,
    });
  });

  it('fails a throughput goal with any error, and the separate-processes one with a slow p99', () => {
    const withErrors = report();
    withErrors.cases[1] = { ...requestPath('gateway', 6_000, 6_000, 6_000), runs: [{ throughput: 6_000, p50Ms: 1, p99Ms: 80, errors: 0 }] };
    expect(byFigure(withErrors)['through the gateway ÷ ceiling, separate processes']?.met).toBe(false);
  });

  it('leaves the memory goal unjudged unless every service was measured', () => {
    const r = report({ memory: [] });
    expect(byFigure(r)['idle anonymous memory (RssAnon) per service']?.met).toBeUndefined();
  });
});

describe('memory', () => {
  it('summarises per process and moment, with RSS, RssAnon and PSS', () => {
    const summary = summariseMemory(report().memory);
    expect(summary.find((m) => m.process === 'embedded system' && m.when === 'after load')).toMatchObject({ rssMb: { median: 260 } });
    expect(summary.find((m) => m.process === 'gateway' && m.when === 'replica idle')).toMatchObject({ pssMb: { median: 60 } });
    // A sample that could not be read (the process was gone) is left out.
    expect(summary.filter((m) => m.process === 'gateway')).toHaveLength(1);
  });
});

describe('formatting', () => {
  it('groups digits as the README does', () => {
    expect(groupDigits(1234567)).toBe('1 234 567');
    expect(groupDigits(999)).toBe('999');
  });

  it('writes markdown tables with right-aligned numeric columns and escaped pipes', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1']], ['left', 'right'])).toBe('| a | b |\n|---|---:|\n| x\\|y | 1 |');
  });

  it('pads console tables to the widest cell', () => {
    expect(textTable(['name', 'n'], [['ab', '10']], ['left', 'right']).split('\n')).toEqual(['name   n', '----  --', 'ab    10']);
  });

  it('puts the configuration, the goals, every case, telemetry, memory, starts and failures in the markdown report', () => {
    const md = markdownReport(report());
    for (const text of [
      '**Production defaults**, which every figure used for a goal is taken with: telemetry on, info logs',
      '## Goals',
      '| through the gateway ÷ ceiling, separate processes | 0.122 (0.125–0.120), p99 20.0 ms, 0 errors | ≥ 0.12, p99 < 50 ms, 0 errors | met |',
      '| gateway case | production defaults | 5 500 (5 000–6 000) | 20.00 | 0 | 0.122 |',
      '## What telemetry costs',
      '## Gateway overhead on a read',
      '## Event-loop delay at saturation',
      '| gateway case | production defaults | 12.5 | 40 |',
      '## Memory',
      '## Start to ready',
      '- end to end, embedded: only 12 of 3000 deliveries were scheduled in time',
    ])
      expect(md).toContain(text);
  });

  it('shows the goals and failures on the console', () => {
    const text = consoleReport(report());
    expect(text).toContain('not met');
    expect(text).toContain('FAILED:');
  });

  it('warns when other work took a noticeable share of the machine during a case', () => {
    const r = report();
    r.cases[1] = { ...(r.cases[1] as CaseResult), foreignBusyPercent: 12.5 };
    expect(backgroundNotes(r).join('\n')).toContain('WARNING: other work shared the machine (over 5 % during gateway)');
  });

  it('writes JSON that reads back as the report', () => {
    expect(JSON.parse(jsonReport(report()))).toEqual(JSON.parse(JSON.stringify(report())));
  });
});
