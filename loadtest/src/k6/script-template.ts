// The code of every scenario's k6 script (loadtest/k6/<scenario>.ts). `pnpm k6:emit` writes one
// script per scenario from it: a header in place of this comment, and the scenario's and the
// traffic's definitions (loadtest/src/scenarios.ts, loadtest/src/traffic.ts) as literals in
// place of the declarations between the data markers. Typechecked against @types/k6 with the
// scripts (loadtest/k6/tsconfig.json), and kept to what k6's JavaScript runtime offers.
import { fail, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Scenario as Executor, Options } from 'k6/options';

// @data-start
declare const SCENARIO: ScenarioDefinition;
declare const TRAFFIC: Traffic;
declare const MIN_ACHIEVED_SHARE: number;
// @data-end

// How the definitions above become k6 options and requests (the same in every scenario's script).

interface Stage {
  /** Requests per second offered during the stage. */
  rate: number;
  seconds: number;
}

interface Thresholds {
  p95Ms: number;
  p99Ms: number;
  /** Largest share of requests that may fail (a status other than 2xx, or no answer). */
  maxErrorRate: number;
}

interface ScenarioDefinition {
  name: string;
  description: string;
  stages: Stage[];
  thresholds: Thresholds;
  /** Thresholds the last stage alone must meet, to show the system recovered. */
  recovery?: Thresholds;
  /** Its one stage's length can be set in minutes (SOAK_MINUTES). */
  adjustableLength?: boolean;
}

interface CycleStep {
  method: string;
  /** The route, `:id` or `:ownerId` standing for its parameter. */
  url: string;
  body?: 'deliveryRequest';
  param?: 'seededDelivery' | 'owner';
  query?: 'currentMonth';
}

interface Traffic {
  owner: string;
  requestTimeoutSeconds: number;
  seeding: {
    deliveries: number;
    timeoutMs: number;
    pollMs: number;
    pendingStage: string;
    requestUrl: string;
    statusUrl: string;
  };
  deliveryRequest: {
    fields: { packageInfo: Record<string, unknown> } & Record<string, unknown>;
    packageIdPrefix: string;
    pickupWithinMinutes: number;
  };
  /** What one customer does, in order; iterations go round it, one request each. */
  cycle: CycleStep[];
}

interface Seeded {
  deliveryIds: string[];
}

// k6 has the Web Crypto API's crypto object as a global from 1.0 on; @types/k6 does not declare it.
declare const crypto: { randomUUID(): string };

/** The gateway, e.g. https://api.example.com. */
const BASE_URL = (__ENV.BASE_URL ?? '').replace(/\/+$/, '');
/** A customer token for OWNER. */
const TOKEN = __ENV.TOKEN ?? '';
const OWNER = __ENV.OWNER || TRAFFIC.owner;
/** Multiplies every rate, as LOADTEST_SCALE does for `pnpm loadtest`. */
const SCALE = Number(__ENV.SCALE || 1);
const SOAK_MINUTES = Number(__ENV.SOAK_MINUTES || 0);
/** Requests of the customer mix carry this tag; the thresholds judge them, not the seeding in setup(). */
const MIX_TAG = { mix: 'customer' };

/** The stages with SCALE times their rates (at least 1 request/s) and, where adjustable, SOAK_MINUTES long. */
const STAGES: Stage[] = SCENARIO.stages.map((stage) => ({
  rate: Math.max(1, Math.round(stage.rate * SCALE)),
  seconds: SCENARIO.adjustableLength && SOAK_MINUTES ? SOAK_MINUTES * 60 : stage.seconds,
}));

/**
 * The stages as an open-model executor: each stage is an arrival rate, which k6 keeps offering
 * however long the answers take. One stage is a constant-arrival-rate; several are a
 * ramping-arrival-rate going up or down a staircase (a 0 s stage jumps to the next rate, the
 * next stage holds it). VUs: enough to hold the rate if every request took the p95 threshold;
 * at most as many as when the average request takes the p99 threshold, since by then the run
 * fails anyway. When none is free, k6 drops the iteration (dropped_iterations).
 */
function arrivals(stages: Stage[], thresholds: Thresholds, startSeconds: number): Executor {
  const peak = Math.max(...stages.map((stage) => stage.rate));
  const preAllocatedVUs = Math.max(1, Math.ceil((peak * thresholds.p95Ms) / 1000));
  const common = {
    startTime: `${startSeconds}s`,
    timeUnit: '1s',
    preAllocatedVUs,
    maxVUs: Math.max(preAllocatedVUs, Math.ceil((peak * thresholds.p99Ms) / 1000)),
    tags: MIX_TAG,
  };
  const [first] = stages;
  if (first && stages.length === 1)
    return { executor: 'constant-arrival-rate', rate: first.rate, duration: `${first.seconds}s`, ...common };
  return {
    executor: 'ramping-arrival-rate',
    startRate: first?.rate ?? 0,
    stages: stages.flatMap((stage, index) => [
      ...(index === 0 ? [] : [{ target: stage.rate, duration: '0s' }]),
      { target: stage.rate, duration: `${stage.seconds}s` },
    ]),
    ...common,
  };
}

const judged = (thresholds: Thresholds) => ({
  failed: [`rate<=${thresholds.maxErrorRate}`],
  duration: [`p(95)<=${thresholds.p95Ms}`, `p(99)<=${thresholds.p99Ms}`],
});

/** The run, and for a scenario with recovery thresholds its last stage as a k6 scenario of its own (`recovery`). */
function k6Options(): Options {
  const recovery = SCENARIO.recovery && STAGES.length > 1 ? SCENARIO.recovery : undefined;
  const main = recovery ? STAGES.slice(0, -1) : STAGES;
  const scenarios: Record<string, Executor> = { [SCENARIO.name]: arrivals(main, SCENARIO.thresholds, 0) };
  const overall = judged(SCENARIO.thresholds);
  const planned = STAGES.reduce((sum, stage) => sum + stage.rate * stage.seconds, 0);
  const thresholds: Options['thresholds'] = {
    'http_req_failed{mix:customer}': overall.failed,
    'http_req_duration{mix:customer}': overall.duration,
    // At least MIN_ACHIEVED_SHARE of the requests offered must start: `pnpm loadtest` judges each stage, k6 the whole run.
    dropped_iterations: [`count<=${planned - Math.ceil(planned * MIN_ACHIEVED_SHARE)}`],
  };
  if (recovery) {
    const after = main.reduce((sum, stage) => sum + stage.seconds, 0);
    scenarios.recovery = arrivals(STAGES.slice(-1), recovery, after);
    thresholds['http_req_failed{scenario:recovery}'] = judged(recovery).failed;
    thresholds['http_req_duration{scenario:recovery}'] = judged(recovery).duration;
  }
  const { seeding } = TRAFFIC;
  return {
    scenarios,
    thresholds,
    // Seeding's worst case: every request timing out, then the whole wait for the workflow.
    setupTimeout: `${seeding.deliveries * TRAFFIC.requestTimeoutSeconds + seeding.timeoutMs / 1000}s`,
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  };
}

export const options = k6Options();

// A check passes on a 2xx answer, as `pnpm loadtest` counts them: anything else is a failed request.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }));

const HEADERS = { authorization: `Bearer ${TOKEN}` };
const JSON_HEADERS = { ...HEADERS, 'content-type': 'application/json' };
const TIMEOUT = `${TRAFFIC.requestTimeoutSeconds}s`;
const now = new Date();
const CURRENT_MONTH = `?year=${now.getUTCFullYear()}&month=${now.getUTCMonth() + 1}`;

/** A delivery request as a customer would send it, for a fresh package each time (traffic.ts builds it the same way). */
function deliveryRequest(): string {
  const request = TRAFFIC.deliveryRequest;
  return JSON.stringify({
    ...request.fields,
    ownerId: OWNER,
    packageInfo: { ...request.fields.packageInfo, packageId: `${request.packageIdPrefix}${crypto.randomUUID()}` },
    pickupTime: new Date(Date.now() + Math.floor(Math.random() * request.pickupWithinMinutes) * 60 * 1000).toISOString(),
  });
}

const filled = (url: string, value: string) => url.replace(/:\w+/, encodeURIComponent(value));

/** Creates the deliveries the reads go to and waits until the workflow has scheduled each. */
export function setup(): Seeded {
  if (!BASE_URL || !TOKEN) fail('set the gateway and a customer token: k6 run -e BASE_URL=https://… -e TOKEN=… <script>');
  const { seeding } = TRAFFIC;
  const deliveryIds: string[] = [];
  for (let index = 0; index < seeding.deliveries; index += 1) {
    const response = http.post(`${BASE_URL}${seeding.requestUrl}`, deliveryRequest(), {
      headers: JSON_HEADERS,
      timeout: TIMEOUT,
      tags: { name: seeding.requestUrl },
    });
    if (response.status !== 202) fail(`seeding: POST ${seeding.requestUrl} answered ${response.status}: ${String(response.body)}`);
    deliveryIds.push(String(response.json('deliveryId')));
  }
  const deadline = Date.now() + seeding.timeoutMs;
  let pending = deliveryIds;
  while (pending.length > 0) {
    if (Date.now() > deadline)
      fail(`seeding: ${pending.length} of ${deliveryIds.length} deliveries were not scheduled within ${seeding.timeoutMs} ms`);
    pending = pending.filter((id) => {
      const response = http.get(`${BASE_URL}${filled(seeding.statusUrl, id)}`, {
        headers: HEADERS,
        timeout: TIMEOUT,
        tags: { name: seeding.statusUrl },
      });
      const stage = response.status === 200 ? response.json('stage') : undefined;
      return typeof stage !== 'string' || stage === seeding.pendingStage;
    });
    if (pending.length > 0) sleep(seeding.pollMs / 1000);
  }
  return { deliveryIds };
}

/** One iteration, one request: the next step of the customer's cycle. */
export default function customer(data: Seeded): void {
  const { cycle } = TRAFFIC;
  const step = cycle[exec.scenario.iterationInTest % cycle.length];
  if (!step) return;
  const { deliveryIds } = data;
  const parameter = step.param === 'owner' ? OWNER : (deliveryIds[Math.floor(Math.random() * deliveryIds.length)] ?? '');
  const path = step.param ? filled(step.url, parameter) : step.url;
  const body = step.body === 'deliveryRequest' ? deliveryRequest() : null;
  http.request(step.method, `${BASE_URL}${path}${step.query === 'currentMonth' ? CURRENT_MONTH : ''}`, body, {
    headers: body === null ? HEADERS : JSON_HEADERS,
    timeout: TIMEOUT,
    tags: { name: step.url },
  });
}
