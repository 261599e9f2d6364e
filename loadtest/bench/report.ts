// The bench's results as data, and that data as a console table, a markdown report and JSON.
// Pure functions only (ratios to the ceiling, gateway overhead, idle memory), so they are tested.
import type { LoadResult } from '../src/measure.ts';
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
  idleSeconds: number;
  /** The one-connection run of the gateway-overhead pair. */
  unloadedSeconds: number;
  e2eRequests: number;
  e2eWarmupRequests: number;
  e2eConnections: number;
  e2eConcurrencies: number[];
  profile: boolean;
}

export interface CaseResult {
  /** "ceiling", "kit", "ingestion", "gateway", "e2e-8"... */
  id: string;
  name: string;
  /** What `throughput` counts. */
  unit: 'requests/s' | 'completed deliveries/s';
  throughput?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Responses that failed the check plus requests without a response. */
  errors?: number;
  /** Share of the whole machine (%) busy with work outside the bench's processes while it was measured. */
  foreignBusyPercent?: number;
  load?: LoadResult;
  /** The same requests over one connection: latency without queueing. */
  unloaded?: LoadResult;
  endToEnd?: EndToEndResult;
  /** Set when the case could not be measured. */
  error?: string;
}

export interface RssSample {
  process: string;
  caseId: string;
  pid: number | undefined;
  /** VmRSS in MB of 1024 kB; absent if it could not be read. */
  rssMb?: number;
  /** RssAnon: the process's own memory, without the file-backed pages (the node binary) shared with others. */
  anonMb?: number;
}

export interface GatewayOverhead {
  /** Through the gateway minus direct, in ms, at saturation. */
  p50Ms: number;
  p99Ms: number;
  /** The same over one connection: what the gateway adds to one request's latency, without queueing. */
  unloadedP50Ms?: number;
  /** 1/throughput through the gateway minus 1/throughput direct: machine time each request adds, in µs. */
  perRequestUs: number;
  /** Throughput through the gateway / direct. */
  throughputRatio: number;
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
  cases: CaseResult[];
  /** Case id → its throughput / the ceiling's. */
  ratios: Record<string, number>;
  gatewayOverhead?: GatewayOverhead;
  rss: RssSample[];
  rssTargetMb: number;
  profile?: ProfileRun;
}

export const CEILING = 'ceiling';
export const RSS_TARGET_MB = 60;

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const measured = (c: CaseResult | undefined): c is CaseResult & { throughput: number } =>
  c !== undefined && c.error === undefined && c.throughput !== undefined && c.throughput > 0;

/** Each measured case's throughput divided by the ceiling's (the bare node:http server). */
export function ratiosToCeiling(cases: CaseResult[], ceilingId = CEILING): Record<string, number> {
  const ceiling = cases.find((c) => c.id === ceilingId);
  if (!measured(ceiling)) return {};
  return Object.fromEntries(cases.filter(measured).map((c) => [c.id, round(c.throughput / ceiling.throughput, 4)]));
}

/** What going through the gateway adds to the same request sent straight to the service. */
export function gatewayOverhead(direct: CaseResult | undefined, through: CaseResult | undefined): GatewayOverhead | undefined {
  if (!measured(direct) || !measured(through)) return undefined;
  const unloaded = direct.unloaded && through.unloaded ? through.unloaded.latencyMs.p50 - direct.unloaded.latencyMs.p50 : undefined;
  return {
    p50Ms: round((through.p50Ms ?? 0) - (direct.p50Ms ?? 0), 2),
    p99Ms: round((through.p99Ms ?? 0) - (direct.p99Ms ?? 0), 2),
    ...(unloaded === undefined ? {} : { unloadedP50Ms: round(unloaded, 2) }),
    perRequestUs: round(1e6 / through.throughput - 1e6 / direct.throughput, 1),
    throughputRatio: round(through.throughput / direct.throughput, 4),
  };
}

export interface RssSummary {
  process: string;
  minMb: number;
  maxMb: number;
  /** RssAnon range, when the kernel reports it. */
  anon?: { minMb: number; maxMb: number };
  /** In how many cases it was measured. */
  measurements: number;
  withinTarget: boolean;
}

/** Idle RSS per kind of process, over every case that started one, in the order first seen. */
export function summariseRss(samples: RssSample[], targetMb = RSS_TARGET_MB): RssSummary[] {
  const byProcess = new Map<string, RssSample[]>();
  for (const sample of samples) {
    if (sample.rssMb === undefined) continue;
    byProcess.set(sample.process, [...(byProcess.get(sample.process) ?? []), sample]);
  }
  return [...byProcess.entries()].map(([process, measured]) => {
    const values = measured.map((sample) => sample.rssMb as number);
    const anon = measured.flatMap((sample) => (sample.anonMb === undefined ? [] : [sample.anonMb]));
    return {
      process,
      minMb: Math.min(...values),
      maxMb: Math.max(...values),
      ...(anon.length ? { anon: { minMb: Math.min(...anon), maxMb: Math.max(...anon) } } : {}),
      measurements: values.length,
      withinTarget: Math.max(...values) <= targetMb,
    };
  });
}

/** The report from what was measured: ratios and overhead computed here. */
export function buildReport(parts: Omit<BenchReport, 'ratios' | 'gatewayOverhead' | 'rssTargetMb'>): BenchReport {
  const byId = (id: string) => parts.cases.find((c) => c.id === id);
  const overhead = gatewayOverhead(byId('ingestion'), byId('gateway'));
  return {
    ...parts,
    ratios: ratiosToCeiling(parts.cases),
    ...(overhead ? { gatewayOverhead: overhead } : {}),
    rssTargetMb: RSS_TARGET_MB,
  };
}

// ---- formatting ----

/** 12345 → "12 345", as the README writes throughput. */
export function groupDigits(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

const ms = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(2));
const signed = (value: number, digits: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
const percent = (ratio: number | undefined) => (ratio === undefined ? '–' : `${(ratio * 100).toFixed(1)} %`);
const megabytes = (range: { minMb: number; maxMb: number } | undefined) =>
  range === undefined ? '–' : range.minMb === range.maxMb ? range.minMb.toFixed(1) : `${range.minMb.toFixed(1)}–${range.maxMb.toFixed(1)}`;

type Align = 'left' | 'right';

/** One row per case: the columns both the console and the markdown show. */
export function caseRows(report: BenchReport): string[][] {
  return report.cases.map((c) =>
    c.error !== undefined
      ? [c.name, 'failed', '–', '–', '–', '–']
      : [
          c.name,
          `${groupDigits(c.throughput ?? 0)}${c.unit === 'requests/s' ? '' : ' deliveries/s'}`,
          ms(c.p50Ms),
          ms(c.p99Ms),
          String(c.errors ?? 0),
          c.id === CEILING ? '100 % (ceiling)' : percent(report.ratios[c.id]),
        ],
  );
}

const CASE_HEADERS = ['case', 'requests/s', 'p50 ms', 'p99 ms', 'errors', 'vs ceiling'];
const CASE_ALIGN: Align[] = ['left', 'right', 'right', 'right', 'right', 'right'];

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

function overheadRows(report: BenchReport): string[][] {
  const direct = report.cases.find((c) => c.id === 'ingestion');
  const through = report.cases.find((c) => c.id === 'gateway');
  const o = report.gatewayOverhead;
  if (!o || !direct?.throughput || !through?.throughput) return [];
  return [
    ['requests/s', groupDigits(direct.throughput), groupDigits(through.throughput), `${signed((o.throughputRatio - 1) * 100, 1)} %`],
    ['p50 ms', ms(direct.p50Ms), ms(through.p50Ms), signed(o.p50Ms, 2)],
    ['p99 ms', ms(direct.p99Ms), ms(through.p99Ms), signed(o.p99Ms, 2)],
    ...(o.unloadedP50Ms !== undefined && direct.unloaded && through.unloaded
      ? [
          [
            'p50 ms over one connection (no queueing)',
            ms(direct.unloaded.latencyMs.p50),
            ms(through.unloaded.latencyMs.p50),
            signed(o.unloadedP50Ms, 2),
          ],
        ]
      : []),
    [
      'machine time per request, µs (1 / requests/s)',
      (1e6 / direct.throughput).toFixed(1),
      (1e6 / through.throughput).toFixed(1),
      signed(o.perRequestUs, 1),
    ],
  ];
}
const OVERHEAD_HEADERS = ['', 'ingestion direct', 'through the gateway', 'gateway adds'];
const OVERHEAD_ALIGN: Align[] = ['left', 'right', 'right', 'right'];

function rssRows(report: BenchReport): string[][] {
  return summariseRss(report.rss, report.rssTargetMb).map((s) => [
    s.process,
    megabytes(s),
    megabytes(s.anon),
    String(s.measurements),
    s.withinTarget ? 'yes' : 'no',
  ]);
}
const rssHeaders = (report: BenchReport) => ['process', 'idle RSS MB', 'of which anon MB', 'measured', `RSS ≤ ${report.rssTargetMb} MB`];
const RSS_ALIGN: Align[] = ['left', 'right', 'right', 'right', 'left'];

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
const packageRows = (summary: ProfileSummary, top = 12) =>
  summary.byPackage.slice(0, top).map((p) => [p.package, p.selfMs.toFixed(1), `${p.selfPercent.toFixed(1)} %`]);
const PACKAGE_ALIGN: Align[] = ['left', 'right', 'right'];

function endToEndNotes(report: BenchReport): string[] {
  return report.cases.flatMap((c) =>
    c.endToEnd
      ? [
          `${c.name}: ${c.endToEnd.accepted} of ${c.endToEnd.sent} accepted (ingestion at ${groupDigits(c.endToEnd.acceptedPerSecond)}/s meanwhile), ` +
            `all scheduled ${c.endToEnd.seconds.toFixed(2)} s after the first was sent; ${c.endToEnd.retried} retried attempts.`,
        ]
      : [],
  );
}

/** Above this share of the machine taken by other work during a case, its figures are suspect. */
export const FOREIGN_BUSY_LIMIT_PERCENT = 5;

/** How much of the machine other work took during each case, and a warning when that skews it. */
export function backgroundNotes(report: BenchReport): string[] {
  const measured = report.cases.filter((c) => c.foreignBusyPercent !== undefined);
  if (measured.length === 0) return [];
  const busy = measured.filter((c) => (c.foreignBusyPercent ?? 0) > FOREIGN_BUSY_LIMIT_PERCENT);
  return [
    `Machine CPU taken by processes outside the bench during each measurement: ${measured.map((c) => `${c.id} ${c.foreignBusyPercent?.toFixed(1)} %`).join(', ')}.`,
    ...(busy.length
      ? [
          `WARNING: other work shared the machine (over ${FOREIGN_BUSY_LIMIT_PERCENT} % during ${busy.map((c) => c.id).join(', ')}): ` +
            'those figures are lower than this machine can do; run again on a quiet machine.',
        ]
      : []),
  ];
}

const failures = (report: BenchReport) => report.cases.filter((c) => c.error !== undefined).map((c) => `${c.name}: ${c.error}`);

function describeMachine(m: Machine): string {
  return `${m.cpuModel} × ${m.cpus} · ${m.memoryGiB} GiB · ${m.os} · node ${m.node} · ${m.redis}`;
}

function describeLoad(s: Settings): string {
  return (
    `autocannon via loadtest/src/measure.ts, ${s.connections} connections, ${s.warmupSeconds} s warm-up then ${s.seconds} s measured per ` +
    `request-path case, loopback; every server its own process (LOG_LEVEL=warn); the load generator shares the same cores.`
  );
}

/** What the console shows at the end of a run. */
export function consoleReport(report: BenchReport): string {
  const parts = [
    `\n${report.date} · ${describeMachine(report.machine)}`,
    describeLoad(report.settings),
    '',
    textTable(CASE_HEADERS, caseRows(report), CASE_ALIGN),
    ...endToEndNotes(report),
    ...backgroundNotes(report),
  ];
  const overhead = overheadRows(report);
  if (overhead.length)
    parts.push('', 'Gateway overhead (POST /api/deliveryrequests):', textTable(OVERHEAD_HEADERS, overhead, OVERHEAD_ALIGN));
  parts.push('', 'Idle RSS (VmRSS, ready and idle for a while):', textTable(rssHeaders(report), rssRows(report), RSS_ALIGN));
  const profile = report.profile;
  if (profile?.summary) {
    parts.push(
      '',
      `Where the time goes in the gateway (${profileLine(profile)}):`,
      textTable(HOT_HEADERS, hotRows(profile.summary), HOT_ALIGN),
    );
  } else if (profile?.error) parts.push('', `Profile failed: ${profile.error}`);
  const failed = failures(report);
  if (failed.length) parts.push('', 'FAILED:', ...failed);
  return `${parts.join('\n')}\n`;
}

function profileLine(profile: ProfileRun): string {
  const c = profile.case;
  const load =
    c.error === undefined ? `${groupDigits(c.throughput ?? 0)} requests/s, p50 ${ms(c.p50Ms)} ms under the profiler` : 'load failed';
  const s = profile.summary;
  return s ? `${load}; ${(s.busyMs / 1000).toFixed(1)} s busy, ${(s.idleMs / 1000).toFixed(1)} s idle, ${s.samples} samples` : load;
}

export function markdownReport(report: BenchReport): string {
  const s = report.settings;
  const lines = [
    '# Bench: the request path side by side',
    '',
    `Run ${report.date} on ${describeMachine(report.machine)}.`,
    '',
    `Load: ${describeLoad(s)} Ingestion queues on BullMQ in a private redis-server (AOF, appendfsync everysec), a fresh one per case; ` +
      'the gateway verifies an HS256 customer token and has its per-caller rate limit lifted (the load is one caller).',
    '',
    markdownTable(CASE_HEADERS, caseRows(report), CASE_ALIGN),
    '',
    `Request-path cases: requests/s completed, latency of every response. End to end: ${s.e2eRequests} delivery requests ` +
      `(after ${s.e2eWarmupRequests} for warm-up) sent to ingestion over ${s.e2eConnections} connections, then ingestion → BullMQ on Redis → ` +
      'workflow → package, dronescheduler and delivery (in-memory stores), seven processes with Redis and the load generator; the figure ' +
      'is deliveries divided by the time from the first request until the workflow had scheduled the last, and p50/p99 are ' +
      "ingestion's latency while it accepted them.",
  ];
  const notes = [...endToEndNotes(report), ...backgroundNotes(report)];
  if (notes.length) lines.push('', ...notes.map((note) => `- ${note}`));
  const overhead = overheadRows(report);
  if (overhead.length) {
    lines.push(
      '',
      '## Gateway overhead',
      '',
      'The same `POST /api/deliveryrequests` straight to ingestion and through the gateway (token verification, rate limit, ' +
        'ownership check, validation, upstream call), each at saturation; at saturation latency is mostly queueing, so the ' +
        `p50 is also taken over one connection (${s.unloadedSeconds} s after the main run), which is what the gateway adds to a ` +
        'single request. The last row is the time of the whole machine each request takes, so its difference is what the ' +
        'gateway costs per request (including its share of the cores).',
      '',
      markdownTable(OVERHEAD_HEADERS, overhead, OVERHEAD_ALIGN),
    );
  }
  lines.push(
    '',
    '## Idle memory',
    '',
    `VmRSS from /proc/<pid>/status, each process ready and idle for ${s.idleSeconds} s; the target is ≤ ${report.rssTargetMb} MB ` +
      '(1 MB = 1024 kB here). "Anon" is RssAnon, the memory of the process itself; the rest is file-backed pages, mostly the ' +
      'node binary, shared by all the node processes of a machine. A range covers the cases that started that kind of process.',
    '',
    markdownTable(rssHeaders(report), rssRows(report), RSS_ALIGN),
  );
  const profile = report.profile;
  if (profile) {
    lines.push('', '## Where the time goes: the gateway under `--cpu-prof`', '');
    if (profile.summary) {
      lines.push(
        `The through-gateway case again, the gateway started with \`--cpu-prof\` (${profileLine(profile)}). ` +
          'Self time excludes idle; percentages are of busy time; a function reached by several paths is counted once.',
        '',
        markdownTable(HOT_HEADERS, hotRows(profile.summary), HOT_ALIGN),
        '',
        'Self time by package:',
        '',
        markdownTable(['package', 'self ms', 'self %'], packageRows(profile.summary), PACKAGE_ALIGN),
      );
    } else lines.push(`The profile could not be taken: ${profile.error ?? profile.case.error ?? 'unknown error'}`);
  }
  const failed = failures(report);
  if (failed.length) lines.push('', '## Failures', '', ...failed.map((f) => `- ${f}`));
  return `${lines.join('\n')}\n`;
}

export function jsonReport(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
