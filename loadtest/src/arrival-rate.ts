// An open-model load generator, as k6's constant- and ramping-arrival-rate executors: requests
// start on a clock at each stage's rate however long the answers take, so a slow system builds
// a queue instead of lowering the rate it is offered. Latency counts from when a request was
// due, so time spent waiting behind a late generator or a busy connection is not hidden.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { latenciesOf, latencyHistogram, type Outcomes, percentileMs } from './measure.ts';

export interface ArrivalStage {
  /** Requests per second offered during the stage. */
  rate: number;
  seconds: number;
}

/** One request to send; the path is relative to the generator's URL. */
export interface PlannedRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ArrivalOptions {
  /** Origin, e.g. http://127.0.0.1:8080. */
  url: string;
  stages: readonly ArrivalStage[];
  /**
   * The most requests outstanding at once (k6's maxVUs). A request due while this many are
   * outstanding is dropped and counted, as k6 counts dropped_iterations, not held until one is answered.
   */
  maxInFlight: number;
  /** The requests to send, in turn: the n-th request sent is built by requests[n % length]. */
  requests: readonly (() => PlannedRequest)[];
  headers?: Record<string, string>;
  /** A request without a complete answer this long after it was sent is an error (a timeout). */
  timeoutMs: number;
  /** Which statuses pass the check (default: any 2xx). */
  expected?: (status: number) => boolean;
  /** When the first stage starts, on performance.now()'s clock (default: at once). */
  startAt?: number;
  /** Also record every latency (in microseconds) here. */
  alsoRecordInto?: hdr.Histogram;
  /** Called as each stage's last request settles, while later stages run. */
  onStageEnd?: (index: number, result: ArrivalStageResult) => void;
}

/**
 * A stage's outcome: what every load run counts (throughput per second of settledAfterSeconds,
 * the rate the target kept up; errorRate over the requests sent; latency from when each request
 * was due, answered or not), and what only an open model has.
 */
export interface ArrivalStageResult extends Outcomes {
  offeredRate: number;
  seconds: number;
  /** Requests due in the stage: its rate × its seconds. */
  offered: number;
  sent: number;
  /** Due while maxInFlight requests were outstanding, so not sent. */
  dropped: number;
  /** From the stage's start until its last request settled: its length, or longer when answers lag. */
  settledAfterSeconds: number;
  /** How late the generator itself sent (its event loop falling behind): already inside latencyMs. */
  sendLagMs: { p99: number; max: number };
}

const twoHundreds = (status: number) => status >= 200 && status < 300;
const micros = (milliseconds: number) => Math.max(1, Math.round(milliseconds * 1000));

/** What one stage counts while it runs; `finish` turns it into its result once every request it sent has settled. */
class StageTally {
  readonly latency = latencyHistogram();
  readonly lag = latencyHistogram();
  readonly statuses: Record<string, number> = {};
  sent = 0;
  dropped = 0;
  answered = 0;
  failedChecks = 0;
  errors = 0;
  timeouts = 0;
  outstanding = 0;
  scheduled = false;
  /** On performance.now()'s clock: when the stage starts, and when its last request settled. */
  startedAt = 0;
  lastSettled = 0;

  readonly stage: ArrivalStage;
  /** Requests due in the stage. */
  readonly offered: number;

  constructor(stage: ArrivalStage) {
    this.stage = stage;
    this.offered = Math.round(stage.rate * stage.seconds);
  }

  get settled(): boolean {
    return this.scheduled && this.outstanding === 0;
  }

  finish(): ArrivalStageResult {
    const { latency, lag, stage } = this;
    const settledAfterSeconds = Math.max(stage.seconds, Math.round(this.lastSettled - this.startedAt) / 1000);
    const result: ArrivalStageResult = {
      offeredRate: stage.rate,
      seconds: stage.seconds,
      offered: this.offered,
      sent: this.sent,
      dropped: this.dropped,
      requests: this.answered,
      settledAfterSeconds,
      throughput: Math.round(this.answered / settledAfterSeconds),
      failedChecks: this.failedChecks,
      errors: this.errors,
      timeouts: this.timeouts,
      errorRate: this.sent === 0 ? 0 : (this.failedChecks + this.errors) / this.sent,
      statuses: this.statuses,
      latencyMs: latenciesOf(latency),
      sendLagMs: { p99: percentileMs(lag, 99), max: Math.round(lag.maxValue / 10) / 100 },
    };
    latency.destroy();
    lag.destroy();
    return result;
  }
}

/**
 * Offers each stage's rate in turn, one request every 1/rate seconds, and resolves with every
 * stage's result once the last request has settled. A request belongs to the stage it was due
 * in, even when its answer comes during the next one.
 */
export async function runArrivals(options: ArrivalOptions): Promise<ArrivalStageResult[]> {
  if (options.requests.length === 0) throw new Error('runArrivals needs requests to send');
  const expected = options.expected ?? twoHundreds;
  // One connection per request that may be outstanding, opened as needed: no request waits for a connection.
  const pool = new Pool(options.url, { connections: options.maxInFlight });
  const tallies = options.stages.map((stage) => new StageTally(stage));
  const results: ArrivalStageResult[] = [];
  const pending = new Set<Promise<void>>();
  let inFlight = 0;
  let sent = 0;

  const settle = (index: number, tally: StageTally) => {
    if (!tally.settled) return;
    results[index] = tally.finish();
    options.onStageEnd?.(index, results[index]);
  };

  // Settles, never rejects: whatever happens to the request is counted.
  const send = async (index: number, tally: StageTally, due: number, planned: PlannedRequest) => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await pool.request({
        method: planned.method,
        path: planned.path,
        headers: { ...options.headers, ...planned.headers },
        body: planned.body ?? null,
        signal,
      });
      await response.body.arrayBuffer();
      tally.answered += 1;
      tally.statuses[response.statusCode] = (tally.statuses[response.statusCode] ?? 0) + 1;
      if (!expected(response.statusCode)) tally.failedChecks += 1;
    } catch {
      tally.errors += 1;
      if (signal.aborted) tally.timeouts += 1;
    } finally {
      const latency = micros(performance.now() - due);
      tally.latency.recordValue(latency);
      options.alsoRecordInto?.recordValue(latency);
      inFlight -= 1;
      tally.outstanding -= 1;
      tally.lastSettled = performance.now();
      settle(index, tally);
    }
  };

  try {
    let stageStart = options.startAt ?? performance.now();
    for (const [index, tally] of tallies.entries()) {
      tally.startedAt = stageStart;
      for (let n = 0; n < tally.offered; n += 1) {
        const due = stageStart + (n * 1000) / tally.stage.rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (inFlight >= options.maxInFlight) {
          tally.dropped += 1;
          continue;
        }
        const planned = (options.requests[sent % options.requests.length] as () => PlannedRequest)();
        sent += 1;
        inFlight += 1;
        tally.sent += 1;
        tally.outstanding += 1;
        tally.lag.recordValue(micros(performance.now() - due));
        const request = send(index, tally, due, planned);
        pending.add(request);
        void request.then(() => pending.delete(request));
      }
      tally.scheduled = true;
      settle(index, tally);
      stageStart += tally.stage.seconds * 1000;
    }
    // The last stage lasts its whole length even when its last request was due earlier.
    const end = stageStart - performance.now();
    if (end > 0) await sleep(end);
    await Promise.all(pending);
  } finally {
    await pool.close();
  }
  return results;
}
