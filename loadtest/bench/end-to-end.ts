// The end-to-end case: a fixed number of delivery requests sent through the gateway (or
// straight to ingestion), then the time until the workflow has scheduled every one (its
// /metrics counter), as completed deliveries/s.
import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayRoutes } from '@dronedelivery/contracts';
import autocannon from 'autocannon';

/** The sum of a Prometheus counter's samples whose label text contains every `labels` entry. */
export function sumCounter(metricsText: string, name: string, labels: string[] = []): number {
  return samplesOf(metricsText, name, labels).reduce((sum, value) => sum + value, 0);
}

/** The values of a metric's samples in a Prometheus text whose label text contains every `labels` entry. */
export function samplesOf(metricsText: string, name: string, labels: string[] = []): number[] {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => labels.every((label) => line.includes(label)))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

interface WorkflowProgress {
  scheduled: number;
  /** Messages given up on (dead-lettered): they will never be scheduled. */
  deadLettered: number;
  /** Attempts that failed and were retried. */
  retried: number;
}

async function progress(workflowUrl: string): Promise<WorkflowProgress> {
  const text = await (await fetch(`${workflowUrl}/metrics`)).text();
  return {
    scheduled: sumCounter(text, 'workflow_messages_processed_total', ['outcome="delivery-scheduled"']),
    deadLettered: sumCounter(text, 'workflow_messages_failed_total', ['kind="permanent"']),
    retried: sumCounter(text, 'workflow_messages_failed_total', ['kind="transient"']),
  };
}

/** Delivery request `i` for `ownerId`: its own package, pickups 20 s apart so that a 200-drone fleet suffices. */
export function deliveryRequestBody(i: number, firstPickup: number, ownerId: string): string {
  return JSON.stringify({
    ownerId,
    pickupLocation: `pickup ${i % 300}`,
    dropOffLocation: `dropoff ${i % 400}`,
    pickupTime: new Date(firstPickup + i * 20_000).toISOString(),
    expedited: i % 4 === 0,
    packageInfo: { packageId: `pkg-${i}`, size: 'Small', weight: 1 + (i % 5) },
  });
}

export interface EndToEndResult {
  sent: number;
  accepted: number;
  /** Not accepted: non-2xx answers and requests without an answer. */
  rejected: number;
  /** From the first request sent until the workflow had scheduled every accepted one. */
  seconds: number;
  completedPerSecond: number;
  /** How fast they were accepted meanwhile, and the latency (ms) of the requests that carried them. */
  acceptedPerSecond: number;
  requestP50Ms: number;
  requestP99Ms: number;
  retried: number;
}

export interface EndToEndOptions {
  /** The gateway (with a customer token in `headers`) or ingestion. */
  url: string;
  headers?: Record<string, string>;
  /** Whose deliveries they are: the token's owner. */
  ownerId: string;
  workflowUrl: string;
  /**
   * Numbers requests on across runs against the same system: each has its own package and
   * pickup time, so a run never waits for drones an earlier one booked.
   */
  numbering: { next: number; firstPickup: number };
  requests: number;
  connections: number;
  /** Requests sent and waited for first (JIT, connection pools), outside the timing. */
  warmupRequests: number;
  timeoutMs?: number;
}

/** The value at percentile `p` (0–100) of `values`, nearest rank; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/**
 * Sends `count` requests as fast as `connections` allow, numbering them on from
 * `numbering.next`. autocannon resolves only on its next 1 s tick after the last response,
 * so when the last response came is recorded here, with every response's latency.
 */
function send(options: EndToEndOptions, count: number) {
  const { numbering } = options;
  const latenciesMs: number[] = [];
  const timing = { lastResponseAt: performance.now() };
  const { promise: done, resolve, reject } = Promise.withResolvers<autocannon.Result>();
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      ...(options.headers ? { headers: options.headers } : {}),
      amount: count,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path: gatewayRoutes.requestDelivery.url,
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, body: deliveryRequestBody(numbering.next++, numbering.firstPickup, options.ownerId) }),
        },
      ],
    },
    (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)),
  );
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
    latenciesMs.push(responseTimeMs);
    timing.lastResponseAt = performance.now();
  });
  return { done, latenciesMs, timing };
}

/** How often the workflow's counters are read while waiting: the figure's resolution (each read costs the workflow a metrics render). */
const POLL_MS = 100;

/** Waits until the scheduled count stops moving for a few polls: nothing sent earlier is still on its way. */
async function waitForQuiet(workflowUrl: string, deadline: number): Promise<WorkflowProgress> {
  let last = await progress(workflowUrl);
  for (let still = 0; still < 5; ) {
    await sleep(POLL_MS * 2);
    const now = await progress(workflowUrl);
    still = now.scheduled === last.scheduled ? still + 1 : 0;
    last = now;
    if (performance.now() > deadline) throw new Error('the workflow did not settle before the run');
  }
  return last;
}

function failIfStuck(now: WorkflowProgress, target: number, deadline: number): void {
  if (now.scheduled + now.deadLettered >= target)
    throw new Error(`${now.deadLettered} messages were dead-lettered; only ${now.scheduled} of ${target} deliveries were scheduled`);
  if (performance.now() > deadline) throw new Error(`only ${now.scheduled} of ${target} deliveries were scheduled in time`);
}

export async function runEndToEnd(options: EndToEndOptions): Promise<EndToEndResult> {
  const deadline = performance.now() + (options.timeoutMs ?? 120_000);
  if (options.warmupRequests > 0) await send(options, options.warmupRequests).done;
  // Whatever an earlier run (or the warm-up) sent must be scheduled before this one is timed.
  const baseline = (await waitForQuiet(options.workflowUrl, deadline)).scheduled;
  const started = performance.now();
  const sending = send(options, options.requests);
  // Poll while sending too: the last delivery may be scheduled before autocannon resolves.
  const readings: { at: number; progress: WorkflowProgress }[] = [];
  let result: Awaited<typeof sending.done> | undefined;
  void sending.done.then((r) => {
    result = r;
  });
  let finished: { at: number; progress: WorkflowProgress } | undefined;
  while (!finished) {
    const progressNow = await progress(options.workflowUrl);
    readings.push({ at: performance.now(), progress: progressNow });
    if (result) {
      const target = baseline + result['2xx'];
      finished = readings.find((reading) => reading.progress.scheduled >= target);
      if (!finished) failIfStuck(progressNow, target, deadline);
    } else if (performance.now() > deadline) throw new Error('sending the delivery requests did not finish in time');
    if (!finished) await sleep(POLL_MS);
  }
  const sent = result as Awaited<typeof sending.done>;
  const accepted = sent['2xx'];
  const seconds = (finished.at - started) / 1000;
  return {
    sent: options.requests,
    accepted,
    rejected: options.requests - accepted,
    seconds: Math.round(seconds * 100) / 100,
    completedPerSecond: Math.round(accepted / seconds),
    acceptedPerSecond: Math.round(accepted / ((sending.timing.lastResponseAt - started) / 1000)),
    requestP50Ms: Math.round(percentile(sending.latenciesMs, 50) * 100) / 100,
    requestP99Ms: Math.round(percentile(sending.latenciesMs, 99) * 100) / 100,
    retried: finished.progress.retried,
  };
}
