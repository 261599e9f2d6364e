// One load run: autocannon drives HTTP on loopback (or at a target URL) for a time, either as
// fast as its connections allow or at a fixed overall arrival rate, and every response's
// latency goes into an HDR histogram so any percentile can be read (autocannon's own summary
// has no p95). The building block of the benchmark and the capacity search; the load scenarios
// need an open model instead (arrival-rate.ts), which also reads its percentiles here.
import autocannon, { type Request } from 'autocannon';
import * as hdr from 'hdr-histogram-js';

export interface LoadOptions {
  /** Base URL, e.g. http://127.0.0.1:8080; request paths are relative to it. */
  url: string;
  /** The requests each connection cycles through (autocannon's request sequence). */
  requests: Request[];
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** Stop after this many requests instead (durationSeconds is then ignored). */
  amount?: number;
  /** Requests per second across all connections; unset = as fast as the connections go. */
  rate?: number;
  /** Which statuses count as a passed check (default: any 2xx). */
  expected?: (status: number) => boolean;
  /** Per-request timeout in seconds (a timed-out request is an error). */
  timeoutSeconds?: number;
  /** Also record every latency (in microseconds) here, e.g. to read percentiles over several runs. */
  alsoRecordInto?: hdr.Histogram;
}

/** A histogram of latencies in microseconds, up to two minutes, 3 significant digits. */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

/** A percentile of a latency histogram, in milliseconds with two decimals. */
export function percentileMs(histogram: hdr.Histogram, percentile: number): number {
  return Math.round(histogram.getValueAtPercentile(percentile) / 10) / 100;
}

/** The latency percentiles every load run reports, in ms. */
export interface Latencies {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** What every load run counts, closed model or open. */
export interface Outcomes {
  /** Requests answered (any status). */
  requests: number;
  /** Answered per second. */
  throughput: number;
  /** Answers whose status failed the check. */
  failedChecks: number;
  /** Requests that got no complete answer, timeouts included. */
  errors: number;
  timeouts: number;
  /** (failed checks + errors) / requests attempted. */
  errorRate: number;
  statuses: Record<string, number>;
  latencyMs: Latencies;
}

/** A latency histogram's percentiles, maximum and mean, in ms. */
export function latenciesOf(histogram: hdr.Histogram): Latencies {
  const at = (p: number) => percentileMs(histogram, p);
  const ms = (micros: number) => Math.round(micros / 10) / 100;
  return { p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: ms(histogram.maxValue), mean: ms(histogram.mean) };
}

export interface LoadResult extends Outcomes {
  durationSeconds: number;
}

const twoHundreds = (status: number) => status >= 200 && status < 300;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const histogram = latencyHistogram();
  const expected = options.expected ?? twoHundreds;
  const statuses: Record<string, number> = {};
  let failedChecks = 0;
  let finished: (result: autocannon.Result) => void = () => {};
  let failed: (error: Error) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url: options.url,
      requests: options.requests,
      headers: options.headers,
      connections: options.connections,
      duration: options.durationSeconds,
      timeout: options.timeoutSeconds ?? 10,
      ...(options.rate ? { overallRate: options.rate } : {}),
      ...(options.amount ? { amount: options.amount } : {}),
    },
    (error, result) => (error ? failed(error) : finished(result)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    const micros = Math.max(1, Math.round(responseTimeMs * 1000));
    histogram.recordValue(micros);
    options.alsoRecordInto?.recordValue(micros);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (!expected(statusCode)) failedChecks += 1;
  });
  const result = await done;
  const completed = histogram.totalCount;
  const attempts = completed + result.errors;
  const summary: LoadResult = {
    durationSeconds: result.duration,
    requests: completed,
    throughput: Math.round(completed / result.duration),
    failedChecks,
    errors: result.errors,
    timeouts: result.timeouts,
    errorRate: attempts === 0 ? 0 : (failedChecks + result.errors) / attempts,
    statuses,
    latencyMs: latenciesOf(histogram),
  };
  histogram.destroy();
  return summary;
}
