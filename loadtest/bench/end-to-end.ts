// The end-to-end case: a fixed number of delivery requests sent to ingestion, then the time
// until the workflow has scheduled every one (its /metrics counter), as completed deliveries/s.
import { setTimeout as sleep } from 'node:timers/promises';
import { requestRoutes } from '@dronedelivery/contracts';
import autocannon from 'autocannon';

/** The sum of a Prometheus counter's samples whose label text contains every `labels` entry. */
export function sumCounter(metricsText: string, name: string, labels: string[] = []): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => labels.every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
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

/** Delivery request `i`: its own package, pickups 20 s apart so that a 200-drone fleet suffices. */
export function deliveryRequestBody(i: number, firstPickup: number): string {
  return JSON.stringify({
    ownerId: `owner-${i % 20}`,
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
  /** How fast ingestion accepted them meanwhile, and its latency (ms) while it did. */
  acceptedPerSecond: number;
  ingestionP50Ms: number;
  ingestionP99Ms: number;
  retried: number;
}

export interface EndToEndOptions {
  ingestionUrl: string;
  workflowUrl: string;
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
function send(options: EndToEndOptions, numbering: { next: number }, count: number, firstPickup: number) {
  const latenciesMs: number[] = [];
  const timing = { lastResponseAt: performance.now() };
  const { promise: done, resolve, reject } = Promise.withResolvers<autocannon.Result>();
  const instance = autocannon(
    {
      url: options.ingestionUrl,
      connections: options.connections,
      amount: count,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path: requestRoutes.request.url,
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, body: deliveryRequestBody(numbering.next++, firstPickup) }),
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

/** How often the workflow's counters are read while waiting: the figure's resolution. */
const POLL_MS = 50;

async function waitForScheduled(workflowUrl: string, target: number, deadline: number): Promise<WorkflowProgress> {
  for (;;) {
    const now = await progress(workflowUrl);
    if (now.scheduled >= target) return now;
    failIfStuck(now, target, deadline);
    await sleep(POLL_MS);
  }
}

function failIfStuck(now: WorkflowProgress, target: number, deadline: number): void {
  if (now.scheduled + now.deadLettered >= target)
    throw new Error(`${now.deadLettered} messages were dead-lettered; only ${now.scheduled} of ${target} deliveries were scheduled`);
  if (performance.now() > deadline) throw new Error(`only ${now.scheduled} of ${target} deliveries were scheduled in time`);
}

export async function runEndToEnd(options: EndToEndOptions): Promise<EndToEndResult> {
  const firstPickup = Date.now() + 3_600_000;
  const deadline = performance.now() + (options.timeoutMs ?? 120_000);
  const numbering = { next: 0 };
  let baseline = 0;
  if (options.warmupRequests > 0) {
    const warm = await send(options, numbering, options.warmupRequests, firstPickup).done;
    baseline = (await waitForScheduled(options.workflowUrl, warm['2xx'], deadline)).scheduled;
  }
  const started = performance.now();
  const sending = send(options, numbering, options.requests, firstPickup);
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
    ingestionP50Ms: Math.round(percentile(sending.latenciesMs, 50) * 100) / 100,
    ingestionP99Ms: Math.round(percentile(sending.latenciesMs, 99) * 100) / 100,
    retried: finished.progress.retried,
  };
}
