// The bench's results as data, and that data as a console summary, a markdown report and JSON.
// Pure functions only (spreads over repeats, ratios to the ceiling, the goals, telemetry's
// cost, memory per process), so they are tested.
import type { EndToEndResult } from './end-to-end.ts';
import type { ProfileSummary } from './profile.ts';

export interface Machine {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
}

export interface Settings {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Measured runs per case: the report gives min, median and max. */
  repeats: number;
  idleSeconds: number;
  /** The one-connection reads of the gateway-overhead pair. */
  unloadedSeconds: number;
  e2eRequests: number;
  e2eWarmupRequests: number;
  e2eConnections: number;
  workflowConcurrency: number;
  profile: boolean;
}

export interface RunFigures {
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses that failed the check plus requests without a response. */
  errors: number;
}

export interface CaseResult {
  /** "ceiling", "gateway", "gateway-telemetry-off", "embedded", "e2e", "e2e-embedded"... */
  id: string;
  name: string;
  /** How its units ran: production defaults, or the labelled variant. */
  configuration: string;
  /** What `throughput` counts. */
  unit: 'requests/s' | 'completed deliveries/s';
  runs: RunFigures[];
  /** Share of the whole machine (%) busy with work outside the bench's processes while it was measured. */
  foreignBusyPercent?: number;
  endToEnd?: EndToEndResult[];
  /** The event-loop delay of the process the load went to, over the measured runs (at saturation). */
  eventLoopDelayMs?: { p99Ms: number; maxMs: number };
  /** Set when the case could not be measured. */
  error?: string;
}

export interface MemorySample {
  process: string;
  caseId: string;
  /** Idle after start, after the case's load, or a replica started alone into a running system. */
  when: 'idle' | 'after load' | 'replica idle';
  rssMb?: number;
  anonMb?: number;
  pssMb?: number;
}

export interface StartSample {
  /** A unit's name, or "embedded system". */
  unit: string;
  caseId: string;
  /** From spawn to its first ready answer. */
  readyMs: number;
}

export interface ReadOverhead {
  directP50Ms: number;
  gatewayP50Ms: number;
  directP99Ms: number;
  gatewayP99Ms: number;
  addedP50Ms: number;
}

export interface ProfileRun {
  case: CaseResult;
  summary?: ProfileSummary;
  error?: string;
}

export interface BenchReport {
  date: string;
  machine: Machine;
  settings: Settings;
  /** What "production defaults" means in this run, word for word. */
  configuration: string;
  cases: CaseResult[];
  memory: MemorySample[];
  starts: StartSample[];
  readOverhead?: ReadOverhead;
  /** The services' default load-shedding threshold, for comparison with the delays measured. */
  loadShedThresholdMs: number;
  profile?: ProfileRun;
}

export const CEILING = 'ceiling';

export interface Spread {
  min: number;
  median: number;
  max: number;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Min, median (the middle one, or the mean of the middle two) and max; undefined for none. */
export function spread(values: number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 ? (sorted[Math.floor(middle)] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted.at(-1) as number };
}

const measured = (c: CaseResult | undefined): c is CaseResult => c !== undefined && c.error === undefined && c.runs.length > 0;
export const throughputOf = (c: CaseResult | undefined) => (measured(c) ? spread(c.runs.map((run) => run.throughput)) : undefined);
export const p99Of = (c: CaseResult | undefined) => (measured(c) ? spread(c.runs.map((run) => run.p99Ms)) : undefined);
export const errorsOf = (c: CaseResult | undefined) => (measured(c) ? c.runs.reduce((sum, run) => sum + run.errors, 0) : undefined);

/** A case's throughput as a share of the ceiling's, run for run (min ÷ min, median ÷ median, max ÷ max). */
export function ratioToCeiling(report: Pick<BenchReport, 'cases'>, id: string): Spread | undefined {
  const ceiling = throughputOf(report.cases.find((c) => c.id === CEILING));
  const it = throughputOf(report.cases.find((c) => c.id === id));
  if (!ceiling || !it || ceiling.median === 0) return undefined;
  return { min: round(it.min / ceiling.min, 4), median: round(it.median / ceiling.median, 4), max: round(it.max / ceiling.max, 4) };
}

/** Throughput with telemetry as configured ÷ with telemetry off (medians): 1 means it costs nothing. */
export function telemetryShare(report: Pick<BenchReport, 'cases'>, id: string, offId: string): number | undefined {
  const on = throughputOf(report.cases.find((c) => c.id === id));
  const off = throughputOf(report.cases.find((c) => c.id === offId));
  return on && off && off.median > 0 ? round(on.median / off.median, 3) : undefined;
}

export interface MemorySummary {
  process: string;
  when: MemorySample['when'];
  rssMb?: Spread;
  anonMb?: Spread;
  pssMb?: Spread;
}

/** Memory per process and moment, over every case that measured it, in the order first seen. */
export function summariseMemory(samples: MemorySample[]): MemorySummary[] {
  const groups = new Map<string, MemorySample[]>();
  for (const sample of samples) {
    if (sample.rssMb === undefined) continue;
    const key = `${sample.process}\u0000${sample.when}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  return [...groups.values()].map((group) => {
    const of = (field: 'rssMb' | 'anonMb' | 'pssMb') => spread(group.flatMap((s) => (s[field] === undefined ? [] : [s[field] as number])));
    const first = group[0] as MemorySample;
    const [rss, anon, pss] = [of('rssMb'), of('anonMb'), of('pssMb')];
    return {
      process: first.process,
      when: first.when,
      ...(rss ? { rssMb: rss } : {}),
      ...(anon ? { anonMb: anon } : {}),
      ...(pss ? { pssMb: pss } : {}),
    };
  });
}

// ---- goals ----

export interface Goal {
  figure: string;
  /** The measured value in words; "not measured" when its case failed. */
  measured: string;
  goal: string;
  met: boolean | undefined;
}

const UNITS = ['gateway', 'ingestion', 'workflow', 'delivery', 'package', 'dronescheduler'];
const EMBEDDED = 'embedded system';

/** The goals table: each figure from the cases that measure it, with production defaults. */
export function goals(report: BenchReport): Goal[] {
  const byId = (id: string) => report.cases.find((c) => c.id === id);
  const ratioGoal = (figure: string, id: string, target: number, p99Limit?: number): Goal => {
    const ratio = ratioToCeiling(report, id);
    const p99 = p99Of(byId(id));
    const errors = errorsOf(byId(id));
    if (!ratio || !p99 || errors === undefined) return { figure, measured: 'not measured', goal: `≥ ${target}`, met: undefined };
    const within = ratio.median >= target && errors === 0 && (p99Limit === undefined || p99.median < p99Limit);
    return {
      figure,
      measured: `${ratio.median.toFixed(3)} (${ratio.min.toFixed(3)}–${ratio.max.toFixed(3)}), p99 ${p99.median.toFixed(1)} ms, ${errors} errors`,
      goal: `≥ ${target}${p99Limit ? `, p99 < ${p99Limit} ms` : ''}, 0 errors`,
      met: within,
    };
  };
  const rateGoal = (figure: string, id: string, target: number): Goal => {
    const rate = throughputOf(byId(id));
    const errors = errorsOf(byId(id));
    if (!rate) return { figure, measured: 'not measured', goal: `≥ ${groupDigits(target)}`, met: undefined };
    return {
      figure,
      measured: `${groupDigits(rate.median)} (${groupDigits(rate.min)}–${groupDigits(rate.max)}), ${errors} rejected`,
      goal: `≥ ${groupDigits(target)}`,
      met: rate.median >= target && errors === 0,
    };
  };
  const memory = summariseMemory(report.memory);
  const replicas = memory.filter((m) => m.when === 'replica idle' && UNITS.includes(m.process));
  const anonMax =
    replicas.length === UNITS.length ? Math.max(...replicas.map((m) => m.anonMb?.max ?? Number.POSITIVE_INFINITY)) : undefined;
  const embedded = (when: MemorySample['when']) => memory.find((m) => m.process === EMBEDDED && m.when === when)?.rssMb;
  const [idle, loaded] = [embedded('idle'), embedded('after load')];
  const unitStarts = report.starts.filter((s) => UNITS.includes(s.unit));
  const slowestUnit = unitStarts.length ? Math.max(...unitStarts.map((s) => s.readyMs)) : undefined;
  const embeddedStart = spread(report.starts.filter((s) => s.unit === EMBEDDED).map((s) => s.readyMs));
  const share = telemetryShare(report, 'gateway', 'gateway-telemetry-off');
  const overhead = report.readOverhead;
  return [
    ratioGoal('through the gateway ÷ ceiling, separate processes', 'gateway', 0.12, 50),
    ratioGoal('through the gateway ÷ ceiling, embedded (`npm start`)', 'embedded', 0.06),
    rateGoal('completed deliveries/s end to end on Redis, separate processes', 'e2e', 1500),
    rateGoal('completed deliveries/s, embedded', 'e2e-embedded', 500),
    {
      figure: 'idle anonymous memory (RssAnon) per service',
      measured:
        anonMax === undefined
          ? 'not measured'
          : `largest ${anonMax.toFixed(1)} MB (${replicas.map((m) => `${m.process} ${m.anonMb?.max.toFixed(1)}`).join(', ')})`,
      goal: '≤ 45 MB',
      met: anonMax === undefined ? undefined : anonMax <= 45,
    },
    {
      figure: 'embedded RSS idle / after load',
      measured: idle && loaded ? `${idle.max.toFixed(0)} / ${loaded.max.toFixed(0)} MB` : 'not measured',
      goal: '≤ 150 / ≤ 250 MB',
      met: idle && loaded ? idle.max <= 150 && loaded.max <= 250 : undefined,
    },
    {
      figure: 'start to ready: slowest service / embedded',
      measured:
        slowestUnit !== undefined && embeddedStart
          ? `${(slowestUnit / 1000).toFixed(2)} s / ${(embeddedStart.median / 1000).toFixed(2)} s`
          : 'not measured',
      goal: '≤ 1 s / ≤ 2 s',
      met: slowestUnit !== undefined && embeddedStart ? slowestUnit <= 1000 && embeddedStart.median <= 2000 : undefined,
    },
    {
      figure: 'gateway one-connection overhead on a read (p50)',
      measured: overhead
        ? `+${overhead.addedP50Ms.toFixed(2)} ms (${overhead.directP50Ms.toFixed(2)} → ${overhead.gatewayP50Ms.toFixed(2)})`
        : 'not measured',
      goal: '≤ 0.3 ms',
      met: overhead ? overhead.addedP50Ms <= 0.3 : undefined,
    },
    {
      figure: 'cost of telemetry at its default sampling (gateway, separate processes)',
      measured: share === undefined ? 'not measured' : `${((1 - share) * 100).toFixed(1)} % of throughput`,
      goal: '< 20 %',
      met: share === undefined ? undefined : 1 - share < 0.2,
    },
  ];
}

// ---- formatting ----

/** 12345 → "12 345", as the README writes throughput. */
export function groupDigits(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

type Align = 'left' | 'right';

export function markdownTable(headers: string[], rows: string[][], align: Align[] = []): string {
  const line = (row: string[]) => `| ${row.map((text) => text.replaceAll('|', '\\|')).join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (align[i] === 'right' ? '---:' : '---')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export function textTable(headers: string[], rows: string[][], align: Align[] = []): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((text, i) => (align[i] === 'right' ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const range = (s: Spread | undefined, format: (n: number) => string) =>
  s === undefined ? '–' : s.min === s.max ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
const ms = (n: number) => n.toFixed(2);
const mb = (n: number) => n.toFixed(1);

export function caseRows(report: BenchReport): string[][] {
  return report.cases.map((c) => {
    if (c.error !== undefined) return [c.name, c.configuration, 'failed', '–', '–', '–'];
    const ratio = ratioToCeiling(report, c.id);
    return [
      c.name,
      c.configuration,
      range(throughputOf(c), groupDigits),
      range(p99Of(c), ms),
      String(errorsOf(c)),
      c.id === CEILING ? '1 (ceiling)' : c.unit === 'requests/s' && ratio ? ratio.median.toFixed(3) : '–',
    ];
  });
}
const CASE_HEADERS = ['case', 'configuration', 'per second: median (min–max)', 'p99 ms', 'errors', '÷ ceiling'];
const CASE_ALIGN: Align[] = ['left', 'left', 'right', 'right', 'right', 'right'];

const goalRows = (report: BenchReport) =>
  goals(report).map((g) => [g.figure, g.measured, g.goal, g.met === undefined ? '–' : g.met ? 'met' : 'not met']);
const GOAL_HEADERS = ['figure', 'measured (median, min–max)', 'goal', ''];

const memoryRows = (report: BenchReport) =>
  summariseMemory(report.memory).map((m) => [m.process, m.when, range(m.rssMb, mb), range(m.anonMb, mb), range(m.pssMb, mb)]);
const MEMORY_HEADERS = ['process', 'when', 'RSS MB', 'RssAnon MB', 'PSS MB'];
const MEMORY_ALIGN: Align[] = ['left', 'left', 'right', 'right', 'right'];

const startRows = (report: BenchReport) => report.starts.map((s) => [s.unit, s.caseId, (s.readyMs / 1000).toFixed(2)]);
const START_HEADERS = ['what', 'case', 'spawn → ready, s'];

function telemetryRows(report: BenchReport): string[][] {
  const off = throughputOf(report.cases.find((c) => c.id === 'gateway-telemetry-off'));
  return ['gateway-telemetry-off', 'gateway', 'gateway-every-trace'].flatMap((id) => {
    const c = report.cases.find((x) => x.id === id);
    const t = throughputOf(c);
    if (!c || !t) return [];
    return [
      [
        c.configuration,
        range(t, groupDigits),
        range(p99Of(c), ms),
        off && off.median > 0 ? `${((t.median / off.median) * 100).toFixed(1)} %` : '–',
      ],
    ];
  });
}
const TELEMETRY_HEADERS = ['gateway → ingestion, separate processes', 'requests/s', 'p99 ms', 'of telemetry off'];

function endToEndNotes(report: BenchReport): string[] {
  return report.cases.flatMap((c) =>
    (c.endToEnd ?? []).map(
      (r, i) =>
        `${c.name}, run ${i + 1}: ${r.accepted} of ${r.sent} accepted (at ${groupDigits(r.acceptedPerSecond)}/s), all scheduled ` +
        `${r.seconds.toFixed(2)} s after the first was sent; ${r.retried} retried attempts so far.`,
    ),
  );
}

/** Above this share of the machine taken by other work during a case, its figures are suspect. */
export const FOREIGN_BUSY_LIMIT_PERCENT = 5;

/** How much of the machine other work took during each case, and a warning when that skews it. */
export function backgroundNotes(report: BenchReport): string[] {
  const busy = report.cases.filter((c) => c.foreignBusyPercent !== undefined);
  if (busy.length === 0) return [];
  const skewed = busy.filter((c) => (c.foreignBusyPercent ?? 0) > FOREIGN_BUSY_LIMIT_PERCENT);
  return [
    `Machine CPU taken by processes outside the bench during each case: ${busy.map((c) => `${c.id} ${c.foreignBusyPercent?.toFixed(1)} %`).join(', ')}.`,
    ...(skewed.length
      ? [
          `WARNING: other work shared the machine (over ${FOREIGN_BUSY_LIMIT_PERCENT} % during ${skewed.map((c) => c.id).join(', ')}): ` +
            'those figures are lower than this machine can do; run again on a quiet machine.',
        ]
      : []),
  ];
}

const failures = (report: BenchReport) => [
  ...report.cases.filter((c) => c.error !== undefined).map((c) => `${c.name}: ${c.error}`),
  ...(report.profile?.error ? [`profile: ${report.profile.error}`] : []),
];

function describeMachine(m: Machine): string {
  return `${m.cpuModel} × ${m.cpus} · ${m.memoryGiB} GiB · ${m.os} · node ${m.node} · ${m.redis}`;
}

function describeLoad(s: Settings): string {
  return (
    `autocannon (loadtest/src/measure.ts), ${s.connections} connections, a ${s.warmupSeconds} s warm-up, then ${s.repeats} measured runs of ` +
    `${s.seconds} s on the same processes; end to end: ${s.e2eRequests} delivery requests per run over ${s.e2eConnections} connections ` +
    `(after ${s.e2eWarmupRequests} to warm up), workflow concurrency ${s.workflowConcurrency}. Loopback; the load generator shares the cores.`
  );
}

function hotRows(summary: ProfileSummary): string[][] {
  return summary.top.map((f, i) => [
    String(i + 1),
    f.functionName,
    f.location || '–',
    f.package,
    f.selfMs.toFixed(1),
    `${f.selfPercent.toFixed(1)} %`,
  ]);
}
const HOT_HEADERS = ['#', 'function', 'where', 'package', 'self ms', 'self %'];
const HOT_ALIGN: Align[] = ['right', 'left', 'left', 'left', 'right', 'right'];
const packageRows = (summary: ProfileSummary, top = 15) =>
  summary.byPackage.slice(0, top).map((p) => [p.package, p.selfMs.toFixed(1), `${p.selfPercent.toFixed(1)} %`]);

/** What the console shows at the end of a run. */
export function consoleReport(report: BenchReport): string {
  const parts = [
    `\n${report.date} · ${describeMachine(report.machine)}`,
    `Production defaults: ${report.configuration}`,
    describeLoad(report.settings),
    '',
    textTable(GOAL_HEADERS, goalRows(report)),
    '',
    textTable(CASE_HEADERS, caseRows(report), CASE_ALIGN),
    ...backgroundNotes(report),
    '',
    textTable(MEMORY_HEADERS, memoryRows(report), MEMORY_ALIGN),
  ];
  const failed = failures(report);
  if (failed.length) parts.push('', 'FAILED:', ...failed);
  return `${parts.join('\n')}\n`;
}

export function markdownReport(report: BenchReport): string {
  const lines = [
    '# Bench: the system as users run it',
    '',
    `Run ${report.date} on ${describeMachine(report.machine)}.`,
    '',
    `**Production defaults**, which every figure used for a goal is taken with: ${report.configuration}`,
    '',
    `Load: ${describeLoad(report.settings)}`,
    '',
    '## Goals',
    '',
    markdownTable(GOAL_HEADERS, goalRows(report)),
    '',
    '## Cases',
    '',
    markdownTable(CASE_HEADERS, caseRows(report), CASE_ALIGN),
    '',
    '"÷ ceiling" divides each median by the median of the bare `node:http` hello server measured in the same run by the same load generator.',
  ];
  const notes = [...endToEndNotes(report), ...backgroundNotes(report)];
  if (notes.length) lines.push('', ...notes.map((note) => `- ${note}`));
  const telemetry = telemetryRows(report);
  if (telemetry.length)
    lines.push(
      '',
      '## What telemetry costs',
      '',
      'The gateway → ingestion case three ways, each from fresh processes: the production default, telemetry off, and every trace recorded.',
      '',
      markdownTable(TELEMETRY_HEADERS, telemetry, ['left', 'right', 'right', 'right']),
    );
  const delays = report.cases.filter((c) => c.eventLoopDelayMs);
  if (delays.length)
    lines.push(
      '',
      '## Event-loop delay at saturation',
      '',
      `What load shedding is judged on (\`LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS\`, ${report.loadShedThresholdMs} ms by default, against the mean delay of each second): ` +
        'the delay of the process the load went to, over its measured runs at full speed.',
      '',
      markdownTable(
        ['case', 'configuration', 'p99 ms', 'max ms'],
        delays.map((c) => [c.name, c.configuration, String(c.eventLoopDelayMs?.p99Ms), String(c.eventLoopDelayMs?.maxMs)]),
        ['left', 'left', 'right', 'right'],
      ),
    );
  if (report.readOverhead) {
    const o = report.readOverhead;
    lines.push(
      '',
      '## Gateway overhead on a read',
      '',
      "`GET /api/deliveries/{id}/status` over one connection (no queueing) through the gateway, and the delivery service's own status route with the identity the gateway forwards: " +
        `p50 ${o.directP50Ms.toFixed(2)} → ${o.gatewayP50Ms.toFixed(2)} ms (+${o.addedP50Ms.toFixed(2)}), p99 ${o.directP99Ms.toFixed(2)} → ${o.gatewayP99Ms.toFixed(2)} ms.`,
    );
  }
  lines.push(
    '',
    '## Memory',
    '',
    'From /proc/<pid>/status and smaps_rollup (1 MB = 1024 kB). RSS counts every resident page, the node binary shared with other processes included; ' +
      'RssAnon is the process\'s own memory (heaps, stacks); PSS adds its share of the shared pages. "replica idle" is a unit started alone into the running ' +
      'system and idle for a while: what one more pod of it costs.',
    '',
    markdownTable(MEMORY_HEADERS, memoryRows(report), MEMORY_ALIGN),
    '',
    '## Start to ready',
    '',
    markdownTable(START_HEADERS, startRows(report), ['left', 'left', 'right']),
  );
  const profile = report.profile;
  if (profile?.summary) {
    lines.push(
      '',
      "## Where the gateway's time goes",
      '',
      `The gateway → ingestion case again with production defaults, the gateway under \`--cpu-prof\` (${groupDigits(throughputOf(profile.case)?.median ?? 0)} requests/s under the profiler; ` +
        `${(profile.summary.busyMs / 1000).toFixed(1)} s busy). Self time; percentages of busy time.`,
      '',
      markdownTable(HOT_HEADERS, hotRows(profile.summary), HOT_ALIGN),
      '',
      markdownTable(['package', 'self ms', 'self %'], packageRows(profile.summary), ['left', 'right', 'right']),
    );
  }
  const failed = failures(report);
  if (failed.length) lines.push('', '## Failures', '', ...failed.map((f) => `- ${f}`));
  return `${lines.join('\n')}\n`;
}

export function jsonReport(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
