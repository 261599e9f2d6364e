// The open-model generator against servers of known behaviour. Against one that cannot keep up
// it sends every request when due and the backlog shows as latency, or as dropped requests at
// its bound, while autocannon's closed model, against the same server, achieves a lower rate
// instead. Every bound follows from the slow server's capacity, which a busy machine can only
// lower: the assertions are about what was sent and waited for, not about timing.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ArrivalStageResult, type PlannedRequest, runArrivals } from '../src/arrival-rate.ts';
import { runLoad } from '../src/measure.ts';
import { type SlowServer, startSlowServer } from '../src/slow-server.ts';

/** 2 workers × 50 ms: at most 40 answers a second. */
const SERVICE_MS = 50;
const WORKERS = 2;
/** Three times the slow server's capacity, for a second: 120 requests. */
const RATE = 120;
const SECONDS = 1;
const OFFERED = RATE * SECONDS;

const get: (() => PlannedRequest)[] = [() => ({ method: 'GET', path: '/' })];

const servers: SlowServer[] = [];
async function slowServer(delayMs = SERVICE_MS, concurrency = WORKERS): Promise<SlowServer> {
  const server = await startSlowServer({ delayMs, concurrency });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function openModel(url: string, maxInFlight: number, timeoutMs = 60_000): Promise<ArrivalStageResult> {
  const [stage] = await runArrivals({ url, stages: [{ rate: RATE, seconds: SECONDS }], maxInFlight, requests: get, timeoutMs });
  if (!stage) throw new Error('no stage result');
  return stage;
}

describe('the open model against a server that cannot keep up', () => {
  it('sends every request when it is due, and the latency includes the time spent waiting', async () => {
    const server = await slowServer();
    const stage = await openModel(server.url, 1000);
    expect(stage).toMatchObject({ offered: OFFERED, sent: OFFERED, dropped: 0, requests: OFFERED, errors: 0, failedChecks: 0 });
    // The server needs at least 3 s for 120 requests: they queued there, and waited.
    expect(server.longestQueue()).toBeGreaterThan(20);
    expect(stage.latencyMs.p50).toBeGreaterThan(8 * SERVICE_MS);
    expect(stage.latencyMs.max).toBeGreaterThan(1500);
  });

  it('drops the requests due while its bound is outstanding, and counts them', async () => {
    const server = await slowServer();
    const stage = await openModel(server.url, 10);
    expect(stage.sent + stage.dropped).toBe(OFFERED);
    // 10 outstanding, and at most ~40 answered in the second: the rest could not be sent.
    expect(stage.dropped).toBeGreaterThan(50);
    expect(stage.requests).toBe(stage.sent);
    expect(stage.errors).toBe(0);
  });

  it('offers what autocannon, a closed model, only achieves in part, and reports the backlog it hides', async () => {
    const closed = await runLoad({
      url: (await slowServer()).url,
      requests: [{ method: 'GET', path: '/' }],
      connections: 10,
      durationSeconds: SECONDS,
      rate: RATE,
      timeoutSeconds: 60,
    });
    const open = await openModel((await slowServer()).url, 1000);
    // Each closed connection waits for its answer: the server sets the pace, and the rate falls.
    expect(closed.requests).toBeLessThan(0.6 * OFFERED);
    expect(closed.errors).toBe(0);
    expect(open.sent).toBe(OFFERED);
    // The closed model's latency is its 10 connections' turn at the server; the open model's, the backlog.
    expect(open.latencyMs.p50).toBeGreaterThan(2 * closed.latencyMs.p50);
  });

  it('counts a request that gets no answer in time as an error, with its latency up to the timeout', async () => {
    const server = await slowServer(1000, 100);
    const [stage] = await runArrivals({
      url: server.url,
      stages: [{ rate: 20, seconds: 0.5 }],
      maxInFlight: 100,
      requests: get,
      timeoutMs: 100,
    });
    expect(stage).toMatchObject({ offered: 10, sent: 10, requests: 0, errors: 10, timeouts: 10, errorRate: 1 });
    expect(stage?.latencyMs.p50).toBeGreaterThanOrEqual(100);
  });
});

describe('the requests it sends', () => {
  const seen: { url: string; authorization: string | undefined; mine: string | undefined }[] = [];
  const answering = createServer((request, response) => {
    seen.push({ url: request.url ?? '', authorization: request.headers.authorization, mine: request.headers['x-mine'] as string });
    request.resume();
    response.statusCode = request.url === '/fail' ? 503 : 200;
    response.end();
  });
  afterEach(() => {
    answering.closeAllConnections();
    answering.close();
  });

  it('goes round the requests in order, stage by stage, and a status other than 2xx fails its check', async () => {
    await new Promise<void>((resolve) => answering.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(answering.address() as AddressInfo).port}`;
    const ended: number[] = [];
    const stages = await runArrivals({
      url,
      stages: [
        { rate: 30, seconds: 1 },
        { rate: 60, seconds: 0.5 },
      ],
      maxInFlight: 50,
      requests: [
        () => ({ method: 'GET', path: '/first' }),
        () => ({ method: 'POST', path: '/second', headers: { 'x-mine': 'yes' }, body: '{}' }),
        () => ({ method: 'GET', path: '/fail' }),
      ],
      headers: { authorization: 'Bearer token' },
      timeoutMs: 10_000,
      onStageEnd: (index) => ended.push(index),
    });
    expect(stages.map((stage) => [stage.offered, stage.sent])).toEqual([
      [30, 30],
      [30, 30],
    ]);
    expect(ended).toEqual([0, 1]);
    expect(stages.map((stage) => stage.statuses)).toEqual([
      { 200: 20, 503: 10 },
      { 200: 20, 503: 10 },
    ]);
    expect(stages[0]).toMatchObject({ failedChecks: 10, errors: 0, errorRate: 10 / 30 });
    expect(seen.map((request) => request.url).sort()).toEqual(
      [...Array(20).fill('/first'), ...Array(20).fill('/second'), ...Array(20).fill('/fail')].sort(),
    );
    expect(seen.every((request) => request.authorization === 'Bearer token')).toBe(true);
    expect(seen.filter((request) => request.mine === 'yes')).toHaveLength(20);
  });
});
