// The committed k6 scripts are what the scenario definitions give, byte for byte; and, run here
// with k6's modules stood in for, their options are the definitions' stages and thresholds, and
// their requests the customer mix `pnpm loadtest` sends.
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EMIT_COMMAND, K6_DIRECTORY, k6Scripts, REPOSITORY_ROOT } from '../src/k6/emit.ts';
import { MIN_ACHIEVED_SHARE, partsOf, SCENARIOS, type Scenario, type Stage, scaled, type Thresholds } from '../src/scenarios.ts';
import { customerMix, DELIVERY_REQUEST_FIELDS, deliveryRequest, PICKUP_WITHIN_MINUTES, SEEDING } from '../src/traffic.ts';

interface Sent {
  method: string;
  url: string;
  body: string | null;
  params: { headers: Record<string, string>; timeout: string; tags: Record<string, string> };
}

// What the scripts get from k6: recorded calls and canned answers instead of HTTP.
const k6 = vi.hoisted(() => {
  let created = 0;
  return {
    sent: [] as Sent[],
    iteration: 0,
    responseCallback: undefined as unknown,
    /** A POST creates a delivery; a GET finds it scheduled. */
    answer: (method: string, _url: string): { status: number; body: string } => {
      created += method === 'POST' ? 1 : 0;
      return method === 'POST'
        ? { status: 202, body: JSON.stringify({ deliveryId: `d${created}` }) }
        : { status: 200, body: '{"stage":"Created"}' };
    },
  };
});

vi.mock('k6', () => ({
  fail: (message: string) => {
    throw new Error(message);
  },
  sleep: () => {},
}));
vi.mock('k6/execution', () => ({
  default: {
    scenario: {
      get iterationInTest() {
        return k6.iteration;
      },
    },
  },
}));
vi.mock('k6/http', () => {
  const request = (method: string, url: string, body: string | null, params: Sent['params']) => {
    k6.sent.push({ method, url, body, params });
    const answer = k6.answer(method, url);
    return { ...answer, json: (key: string) => JSON.parse(answer.body)[key] };
  };
  return {
    default: {
      request,
      get: (url: string, params: Sent['params']) => request('GET', url, null, params),
      post: (url: string, body: string, params: Sent['params']) => request('POST', url, body, params),
      expectedStatuses: (range: unknown) => ({ expected: range }),
      setResponseCallback: (callback: unknown) => {
        k6.responseCallback = callback;
      },
    },
  };
});

interface Executor {
  executor: string;
  startTime: string;
  rate?: number;
  duration?: string;
  startRate?: number;
  stages?: { target: number; duration: string }[];
  preAllocatedVUs: number;
  maxVUs: number;
  tags: Record<string, string>;
}

interface Script {
  options: { scenarios: Record<string, Executor>; thresholds: Record<string, string[]>; setupTimeout: string };
  setup(): { deliveryIds: string[] };
  default(data: { deliveryIds: string[] }): void;
}

const BASE_URL = 'https://gateway.test';
const TOKEN = 'a-customer-token';

/** A script as k6 would load it, with these -e variables. */
async function load(name: string, env: Record<string, string> = {}): Promise<Script> {
  vi.resetModules();
  (globalThis as { __ENV?: Record<string, string> }).__ENV = env;
  return (await import(new URL(`${K6_DIRECTORY}/${name}.ts`, REPOSITORY_ROOT).href)) as Script;
}

const seconds = (duration: string | undefined) => {
  const match = /^(\d+)s$/.exec(duration ?? '');
  if (!match) throw new Error(`not a duration in seconds: ${duration}`);
  return Number(match[1]);
};

/** The stages an executor offers, read back from its k6 form; a jump (0 s) must go to the rate the next stage holds. */
function offered(executor: Executor): Stage[] {
  if (executor.executor === 'constant-arrival-rate') return [{ rate: executor.rate as number, seconds: seconds(executor.duration) }];
  expect(executor.executor).toBe('ramping-arrival-rate');
  const stages: Stage[] = [];
  let rate = executor.startRate as number;
  for (const [index, stage] of (executor.stages ?? []).entries()) {
    const length = seconds(stage.duration);
    if (length === 0) {
      expect(executor.stages?.[index + 1]?.target, 'a jump is followed by a stage that holds its rate').toBe(stage.target);
      rate = stage.target;
      continue;
    }
    expect(stage.target, 'a stage holds the rate it starts at: a staircase, not a ramp').toBe(rate);
    stages.push({ rate, seconds: length });
  }
  return stages;
}

/** The thresholds k6 judges a metric filter by, read back. */
function judged(thresholds: Record<string, string[]>, filter: string): Thresholds {
  const bound = (metric: string, pattern: RegExp) => {
    const found = (thresholds[`${metric}{${filter}}`] ?? []).map((expression) => pattern.exec(expression)?.[1]).find(Boolean);
    return Number(found);
  };
  return {
    p95Ms: bound('http_req_duration', /^p\(95\)<=([\d.]+)$/),
    p99Ms: bound('http_req_duration', /^p\(99\)<=([\d.]+)$/),
    maxErrorRate: bound('http_req_failed', /^rate<=([\d.]+)$/),
  };
}

/** What the script's options say of the scenario: its stages in order, its thresholds, its recovery thresholds. */
function definitionOf(options: Script['options']): Pick<Scenario, 'stages' | 'thresholds' | 'recovery'> {
  const executors = Object.values(options.scenarios).sort((a, b) => seconds(a.startTime) - seconds(b.startTime));
  let elapsed = 0;
  const stages: Stage[] = [];
  for (const executor of executors) {
    expect(seconds(executor.startTime), 'each part starts when the one before ends').toBe(elapsed);
    expect(executor.tags).toEqual({ mix: 'customer' });
    const own = offered(executor);
    elapsed += own.reduce((sum, stage) => sum + stage.seconds, 0);
    stages.push(...own);
  }
  const recovery = options.scenarios.recovery ? { recovery: judged(options.thresholds, 'scenario:recovery') } : {};
  return { stages, thresholds: judged(options.thresholds, 'mix:customer'), ...recovery };
}

const names = Object.keys(SCENARIOS);

describe('the committed k6 scripts', () => {
  const scripts = k6Scripts(REPOSITORY_ROOT);

  it.each([...scripts.keys()])('%s is what the definitions give', (path) => {
    // As text, for a readable difference; UTF-8 both ways, so equal text is equal bytes.
    expect(
      readFileSync(new URL(path, REPOSITORY_ROOT), 'utf8'),
      `${path} differs from what loadtest/src/scenarios.ts, loadtest/src/traffic.ts and loadtest/src/k6/script-template.ts give: run \`${EMIT_COMMAND}\` and commit the result`,
    ).toBe(scripts.get(path));
  });

  it('are what the TestRun sample runs: one of them, from a ConfigMap holding them all', () => {
    const testRun = readFileSync(new URL(`${K6_DIRECTORY}/testrun.yaml`, REPOSITORY_ROOT), 'utf8');
    const inConfigMap = [...testRun.matchAll(/--from-file=(\S+\.ts)/g)].map((match) => match[1]);
    expect(inConfigMap.sort()).toEqual([...scripts.keys()].sort());
    expect([...scripts.keys()]).toContain(`${K6_DIRECTORY}/${/^\s+file: (\S+)$/m.exec(testRun)?.[1]}`);
  });

  it('are one per scenario, and nothing else', () => {
    const committed = readdirSync(new URL(`${K6_DIRECTORY}/`, REPOSITORY_ROOT)).filter((name) => name.endsWith('.ts'));
    expect(committed.map((name) => `${K6_DIRECTORY}/${name}`).sort(), `run \`${EMIT_COMMAND}\``).toEqual([...scripts.keys()].sort());
    expect(scripts.size).toBe(names.length);
  });
});

describe('the options of each k6 script', () => {
  afterEach(() => {
    delete (globalThis as { __ENV?: unknown }).__ENV;
  });

  it.each(names)('%s: the stages as open-model arrival rates, and the thresholds, of its definition', async (name) => {
    const definition = SCENARIOS[name] as Scenario;
    const { options } = await load(name);
    for (const executor of Object.values(options.scenarios)) expect(executor.executor).toMatch(/^(constant|ramping)-arrival-rate$/);
    expect(definitionOf(options)).toEqual({
      stages: definition.stages,
      thresholds: definition.thresholds,
      ...(definition.recovery ? { recovery: definition.recovery } : {}),
    });
    const planned = definition.stages.reduce((sum, stage) => sum + stage.rate * stage.seconds, 0);
    const allowed = Number(/^count<=(\d+)$/.exec(options.thresholds.dropped_iterations?.[0] ?? '')?.[1]);
    // The fewest requests that must start: at least the share, and not one more.
    const mustStart = planned - allowed;
    expect(mustStart).toBeGreaterThanOrEqual(MIN_ACHIEVED_SHARE * planned);
    expect(mustStart - 1).toBeLessThan(MIN_ACHIEVED_SHARE * planned);
  });

  it.each(names)('%s: SCALE and SOAK_MINUTES change it as LOADTEST_SCALE and LOADTEST_SOAK_MINUTES do', async (name) => {
    const definition = SCENARIOS[name] as Scenario;
    const { options } = await load(name, { SCALE: '2.5', SOAK_MINUTES: '5' });
    expect(definitionOf(options).stages).toEqual(scaled(definition, 2.5, 5).stages);
  });

  it.each(names)('%s: its k6 scenarios are the parts `pnpm loadtest` runs, with the same bound on requests outstanding', async (name) => {
    const definition = SCENARIOS[name] as Scenario;
    const runs: { env: Record<string, string>; local: Scenario }[] = [
      { env: {}, local: definition },
      { env: { SCALE: '2.5', SOAK_MINUTES: '5' }, local: scaled(definition, 2.5, 5) },
    ];
    for (const run of runs) {
      const { options } = await load(name, run.env);
      const local = partsOf(run.local);
      const executors = Object.entries(options.scenarios).sort(([, a], [, b]) => seconds(a.startTime) - seconds(b.startTime));
      expect(
        executors.map(([part, executor]) => ({ name: part, startSeconds: seconds(executor.startTime), maxInFlight: executor.maxVUs })),
      ).toEqual(local.map(({ stages: _stages, ...part }) => part));
    }
  });

  it('has VUs to hold the rate, and waits for the seeding', async () => {
    const { options } = await load('stress');
    const executor = Object.values(options.scenarios)[0] as Executor;
    expect(executor.preAllocatedVUs).toBe(500);
    expect(executor.maxVUs).toBe(1000);
    expect(seconds(options.setupTimeout)).toBeGreaterThan(SEEDING.timeoutMs / 1000);
  });
});

describe('the requests of a k6 script', () => {
  beforeEach(() => {
    k6.sent = [];
    k6.iteration = 0;
  });
  afterEach(() => {
    delete (globalThis as { __ENV?: unknown }).__ENV;
  });

  it('seeds deliveries and waits until the workflow has scheduled them, without the customer tag', async () => {
    const script = await load('smoke', { BASE_URL: `${BASE_URL}/`, TOKEN });
    let polls = 0;
    const answer = k6.answer;
    k6.answer = (method, url) => {
      if (method === 'GET') polls += 1;
      return method === 'GET' && polls <= SEEDING.deliveries
        ? { status: 200, body: `{"stage":"${SEEDING.pendingStage}"}` }
        : answer(method, url);
    };
    try {
      const { deliveryIds } = script.setup();
      expect(deliveryIds).toHaveLength(SEEDING.deliveries);
      expect(new Set(deliveryIds).size).toBe(SEEDING.deliveries);
    } finally {
      k6.answer = answer;
    }
    const posts = k6.sent.filter((request) => request.method === 'POST');
    expect(posts).toHaveLength(SEEDING.deliveries);
    expect(posts[0]?.url).toBe(`${BASE_URL}/api/deliveryrequests`);
    expect(polls, 'every delivery polled until it left Requested').toBe(2 * SEEDING.deliveries);
    for (const request of k6.sent) expect(request.params.tags).not.toHaveProperty('mix');
    expect(k6.responseCallback, 'only a 2xx answer passes').toEqual({ expected: { min: 200, max: 299 } });
  });

  it('refuses to start without the gateway or a token', async () => {
    await expect(load('smoke', { TOKEN }).then((script) => script.setup())).rejects.toThrow(/BASE_URL/);
    await expect(load('smoke', { BASE_URL }).then((script) => script.setup())).rejects.toThrow(/TOKEN/);
  });

  it('goes round the customer cycle, one request an iteration, as `pnpm loadtest` does', async () => {
    const script = await load('average', { BASE_URL, TOKEN, OWNER: 'someone' });
    const deliveryIds = ['d1', 'd2', 'd3'];
    const local = customerMix(deliveryIds, 'someone');
    for (k6.iteration = 0; k6.iteration < 2 * local.length; k6.iteration += 1) script.default({ deliveryIds });
    const id = new RegExp(`/(${deliveryIds.join('|')})(?=/|$)`);
    const k6Requests = k6.sent.map((request) => `${request.method} ${request.url.replace(BASE_URL, '').replace(id, '/:id')}`);
    const localRequests = local.map((build) => {
      const { method, path } = build();
      return `${method} ${path.replace(id, '/:id')}`;
    });
    expect(k6Requests).toEqual([...localRequests, ...localRequests]);
    for (const request of k6.sent) {
      expect(request.params.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.params.timeout).toBe('10s');
      expect(request.params.tags.name).not.toMatch(/d[123]|someone/);
    }
    expect(k6.sent[0]?.params.headers['content-type']).toBe('application/json');
  });

  it('asks for a delivery with the body the local runner sends: the owner, a fresh package, a pickup within 60 days', async () => {
    const script = await load('smoke', { BASE_URL, TOKEN, OWNER: 'someone' });
    script.default({ deliveryIds: ['d1'] });
    k6.iteration = 0;
    script.default({ deliveryIds: ['d1'] });
    const [first, second] = k6.sent.map((request) => JSON.parse(request.body ?? '{}'));
    const local = JSON.parse(deliveryRequest('someone'));
    expect(Object.keys(first)).toEqual(Object.keys(local));
    expect(Object.keys(first.packageInfo)).toEqual(Object.keys(local.packageInfo));
    const varying = (body: { packageInfo: object }) => ({ ...body, packageInfo: { ...body.packageInfo, packageId: '' }, pickupTime: '' });
    expect(varying(first)).toEqual(varying(local));
    expect(first).toMatchObject({ ...DELIVERY_REQUEST_FIELDS, ownerId: 'someone' });
    expect(first.packageInfo.packageId).toMatch(/^pkg-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.packageInfo.packageId).not.toBe(second.packageInfo.packageId);
    const pickup = Date.parse(first.pickupTime) - Date.now();
    expect(pickup).toBeGreaterThan(-60_000);
    expect(pickup).toBeLessThanOrEqual(PICKUP_WITHIN_MINUTES * 60_000);
  });
});
