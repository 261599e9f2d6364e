// Load shedding: while the event loop lags beyond LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS, requests
// get 503 with Retry-After as a problem, probes keep answering, and the service recovers on
// its own once the lag is gone. The lag is made by a route that blocks the loop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ServiceInstance } from '../src/server.ts';
import { capturingLogger, testConfig } from '../src/testing.ts';

let app: ServiceInstance;
let base = '';

beforeAll(async () => {
  app = await createServer({
    name: 'shedding-test',
    version: '1.0.0',
    logger: capturingLogger('shedding-test').log,
    config: testConfig({ LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: 100, LOAD_SHED_RETRY_AFTER_SECONDS: 7 }),
  });
  app.get('/api/work', async () => ({ done: true }));
  // Holds the event loop for 300 ms, as a runaway computation would.
  app.get('/api/block', async () => {
    const until = performance.now() + 300;
    while (performance.now() < until);
    return { blocked: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(() => app.close());

const blockFor = async (rounds: number) => {
  for (let i = 0; i < rounds; i += 1) await fetch(`${base}/api/block`);
};

describe('load shedding on event-loop delay', () => {
  it('serves normally while the loop keeps up', async () => {
    expect((await fetch(`${base}/api/work`)).status).toBe(200);
  });

  it('answers 503 with Retry-After while the loop lags, keeps the probes up, and counts what it shed', async () => {
    // A lag that lasts beyond one sampling interval (1 s).
    await blockFor(6);
    const shed = await fetch(`${base}/api/work`);
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('7');
    expect(shed.headers.get('content-type')).toContain('application/problem+json');
    expect(await shed.json()).toMatchObject({ status: 503, title: expect.any(String) });
    expect((await fetch(`${base}/healthz/live`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^http_server_shed_requests_total\{reason="eventLoopDelay",[^}]*\} [1-9]/m);
  });

  it('recovers by itself once the lag is gone', async () => {
    await expect.poll(async () => (await fetch(`${base}/api/work`)).status, { timeout: 10_000, interval: 250 }).toBe(200);
  });
});
