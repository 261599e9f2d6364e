// The bench's report: ratios to the ceiling, gateway overhead, idle memory, and the
// console, markdown and JSON forms of one made-up run.
import { describe, expect, it } from 'vitest';
import {
  type BenchReport,
  backgroundNotes,
  buildReport,
  type CaseResult,
  consoleReport,
  gatewayOverhead,
  groupDigits,
  jsonReport,
  markdownReport,
  markdownTable,
  ratiosToCeiling,
  summariseRss,
  textTable,
} from '../bench/report.ts';

const requestPath = (id: string, name: string, throughput: number, p50Ms: number, p99Ms: number): CaseResult => ({
  id,
  name,
  unit: 'requests/s',
  throughput,
  p50Ms,
  p99Ms,
  errors: 0,
});

const CASES: CaseResult[] = [
  requestPath('ceiling', 'bare node:http hello', 20_000, 1, 3),
  requestPath('kit', 'service-kit hello route', 10_000, 2, 5),
  requestPath('ingestion', 'ingestion, direct', 5_000, 6, 20),
  requestPath('gateway', 'ingestion through the gateway', 2_500, 15, 40),
  {
    id: 'e2e-8',
    name: 'end to end, workflow concurrency 8',
    unit: 'completed deliveries/s',
    throughput: 500,
    p50Ms: 20,
    p99Ms: 60,
    errors: 0,
    endToEnd: {
      sent: 3000,
      accepted: 3000,
      rejected: 0,
      seconds: 6,
      completedPerSecond: 500,
      acceptedPerSecond: 1500,
      ingestionP50Ms: 20,
      ingestionP99Ms: 60,
      retried: 0,
    },
  },
  {
    id: 'e2e-32',
    name: 'end to end, workflow concurrency 32',
    unit: 'completed deliveries/s',
    error: 'only 12 of 3000 deliveries were scheduled in time',
  },
];

function report(overrides: Partial<Parameters<typeof buildReport>[0]> = {}): BenchReport {
  return buildReport({
    date: '2026-01-02T03:04:05.000Z',
    machine: { cpuModel: 'Test CPU', cpus: 2, memoryGiB: 8, os: 'Linux 6.1', node: 'v24.0.0', redis: 'Redis 7.0.15' },
    settings: {
      connections: 50,
      seconds: 10,
      warmupSeconds: 2,
      idleSeconds: 2,
      unloadedSeconds: 3,
      e2eRequests: 3000,
      e2eWarmupRequests: 300,
      e2eConnections: 20,
      e2eConcurrencies: [8, 32],
      profile: false,
    },
    cases: CASES,
    rss: [
      { process: 'bare node:http hello', caseId: 'ceiling', pid: 1, rssMb: 45.5 },
      { process: 'ingestion', caseId: 'ingestion', pid: 2, rssMb: 70, anonMb: 30 },
      { process: 'ingestion', caseId: 'gateway', pid: 3, rssMb: 72.25, anonMb: 31 },
      { process: 'gateway', caseId: 'gateway', pid: 4 },
    ],
    ...overrides,
  });
}

describe('ratios to the ceiling', () => {
  it('divides every measured case by the bare server and leaves failed ones out', () => {
    expect(ratiosToCeiling(CASES)).toEqual({ ceiling: 1, kit: 0.5, ingestion: 0.25, gateway: 0.125, 'e2e-8': 0.025 });
  });

  it('is empty when the ceiling itself failed', () => {
    const cases = CASES.map((c) => (c.id === 'ceiling' ? { ...c, error: 'boom' } : c));
    expect(ratiosToCeiling(cases)).toEqual({});
  });
});

describe('gateway overhead', () => {
  it('is the latency difference and the machine time each request adds', () => {
    expect(gatewayOverhead(CASES[2], CASES[3])).toEqual({ p50Ms: 9, p99Ms: 20, perRequestUs: 200, throughputRatio: 0.5 });
  });

  it('includes the one-connection p50 difference when both sides have it', () => {
    const oneConnection = (p50: number) => ({
      durationSeconds: 3,
      requests: 3000,
      throughput: 1000,
      failedChecks: 0,
      errors: 0,
      timeouts: 0,
      errorRate: 0,
      statuses: { 202: 3000 },
      latencyMs: { p50, p90: p50, p95: p50, p99: p50, max: p50, mean: p50 },
    });
    const direct = { ...(CASES[2] as CaseResult), unloaded: oneConnection(0.41) };
    const through = { ...(CASES[3] as CaseResult), unloaded: oneConnection(1.02) };
    expect(gatewayOverhead(direct, through)?.unloadedP50Ms).toBe(0.61);
    expect(gatewayOverhead(CASES[2], through)?.unloadedP50Ms).toBeUndefined();
    const md = markdownReport(report({ cases: CASES.map((c) => (c.id === 'ingestion' ? direct : c.id === 'gateway' ? through : c)) }));
    expect(md).toContain('| p50 ms over one connection (no queueing) | 0.41 | 1.02 | +0.61 |');
  });

  it('is unknown when either side was not measured', () => {
    expect(gatewayOverhead(CASES[2], undefined)).toBeUndefined();
    expect(gatewayOverhead({ ...(CASES[2] as CaseResult), error: 'x' }, CASES[3])).toBeUndefined();
  });
});

describe('idle memory', () => {
  it('groups by process, with the range over cases, against the target', () => {
    expect(summariseRss(report().rss, 71)).toEqual([
      { process: 'bare node:http hello', minMb: 45.5, maxMb: 45.5, measurements: 1, withinTarget: true },
      { process: 'ingestion', minMb: 70, maxMb: 72.25, anon: { minMb: 30, maxMb: 31 }, measurements: 2, withinTarget: false },
    ]);
  });
});

describe('formatting', () => {
  it('groups digits as the README does', () => {
    expect(groupDigits(52070)).toBe('52 070');
    expect(groupDigits(1234567.4)).toBe('1 234 567');
    expect(groupDigits(999)).toBe('999');
  });

  it('writes markdown tables with right-aligned numeric columns and escaped pipes', () => {
    expect(markdownTable(['a', 'n'], [['x|y', '1']], ['left', 'right'])).toBe('| a | n |\n|---|---:|\n| x\\|y | 1 |');
  });

  it('pads console tables to the widest cell', () => {
    expect(
      textTable(
        ['case', 'n'],
        [
          ['long name', '1'],
          ['x', '100'],
        ],
        ['left', 'right'],
      ).split('\n'),
    ).toEqual(['case         n', '---------  ---', 'long name    1', 'x          100']);
  });

  it('puts every case, the overhead, memory and failures in the markdown report', () => {
    const md = markdownReport(report());
    expect(md).toContain('2026-01-02T03:04:05.000Z on Test CPU × 2 · 8 GiB · Linux 6.1 · node v24.0.0 · Redis 7.0.15');
    expect(md).toContain('| bare node:http hello | 20 000 | 1.00 | 3.00 | 0 | 100 % (ceiling) |');
    expect(md).toContain('| service-kit hello route | 10 000 | 2.00 | 5.00 | 0 | 50.0 % |');
    expect(md).toContain('| end to end, workflow concurrency 8 | 500 deliveries/s | 20.00 | 60.00 | 0 | 2.5 % |');
    expect(md).toContain('| end to end, workflow concurrency 32 | failed | – | – | – | – |');
    expect(md).toContain('| p50 ms | 6.00 | 15.00 | +9.00 |');
    expect(md).toContain('| machine time per request, µs (1 / requests/s) | 200.0 | 400.0 | +200.0 |');
    expect(md).toContain('| requests/s | 5 000 | 2 500 | −50.0 % |');
    expect(md).toContain('| ingestion | 70.0–72.3 | 30.0–31.0 | 2 | no |');
    expect(md).toContain('| bare node:http hello | 45.5 | – | 1 | yes |');
    expect(md).toContain('- end to end, workflow concurrency 32: only 12 of 3000 deliveries were scheduled in time');
    expect(md).not.toContain('cpu-prof');
  });

  it('adds where the time goes when the run was profiled', () => {
    const profiled = report({
      profile: {
        case: requestPath('gateway-profiled', 'profiled', 2_000, 18, 50),
        summary: {
          busyMs: 9000,
          idleMs: 1000,
          samples: 10_000,
          top: [{ functionName: 'jwtVerify', location: 'jose/dist/verify.js:3', package: 'jose', selfMs: 900, selfPercent: 10 }],
          byPackage: [{ package: 'jose', selfMs: 900, selfPercent: 10 }],
        },
      },
    });
    const md = markdownReport(profiled);
    expect(md).toContain('## Where the time goes: the gateway under `--cpu-prof`');
    expect(md).toContain('2 000 requests/s, p50 18.00 ms under the profiler; 9.0 s busy, 1.0 s idle, 10000 samples');
    expect(md).toContain('| 1 | jwtVerify | jose/dist/verify.js:3 | jose | 900.0 | 10.0 % |');
    expect(md).toContain('| jose | 900.0 | 10.0 % |');
    expect(consoleReport(profiled)).toContain('Where the time goes in the gateway');
  });

  it('shows the table and failures on the console', () => {
    const text = consoleReport(report());
    expect(text).toMatch(/bare node:http hello\s+20 000\s+1\.00\s+3\.00\s+0\s+100 % \(ceiling\)/);
    expect(text).toContain('FAILED:');
  });

  it('says how much of the machine other work took during each case, and warns when that skews it', () => {
    const cases = CASES.map((c, i) => ({ ...c, foreignBusyPercent: i === 1 ? 25 : 1.5 }));
    const notes = backgroundNotes(report({ cases }));
    expect(notes[0]).toBe(
      'Machine CPU taken by processes outside the bench during each measurement: ceiling 1.5 %, kit 25.0 %, ingestion 1.5 %, gateway 1.5 %, e2e-8 1.5 %, e2e-32 1.5 %.',
    );
    expect(notes[1]).toMatch(/^WARNING: other work shared the machine \(over 5 % during kit\)/);
    expect(backgroundNotes(report({ cases: cases.map((c) => ({ ...c, foreignBusyPercent: 2 })) }))).toHaveLength(1);
    expect(backgroundNotes(report())).toEqual([]);
    expect(markdownReport(report({ cases }))).toContain('- WARNING: other work shared the machine');
  });

  it('writes JSON that reads back as the report', () => {
    const r = report();
    expect(JSON.parse(jsonReport(r))).toEqual(JSON.parse(JSON.stringify(r)));
  });
});
