import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ServiceInstance } from '../src/server.ts';
import { capturingLogger, testConfig } from '../src/testing.ts';

let app: ServiceInstance;
let base: string;

beforeAll(async () => {
  app = await createServer({ name: 'metrics-test', version: '1.0.0', logger: capturingLogger().log, config: testConfig() });
  app.get('/api/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  const orders = app.metrics.counter({ name: 'orders_created_total', help: 'Orders created.', labelNames: ['kind'] });
  app.post('/api/orders', async (_request, reply) => {
    orders.inc({ kind: 'standard' });
    return reply.code(201).send({ ok: true });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(() => app.close());

describe('/metrics', () => {
  it('exposes the request histogram by method, route template and status after traffic', async () => {
    await fetch(`${base}/api/items/1`);
    await fetch(`${base}/api/items/2`);
    await fetch(`${base}/api/unknown`);
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{service="metrics-test",method="GET",route="\/api\/items\/:id",status_code="200"\} 2/,
    );
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{service="metrics-test",method="GET",route="unmatched",status_code="404"\} 1/,
    );
  });

  it('includes process metrics and a service counter', async () => {
    await fetch(`${base}/api/orders`, { method: 'POST' });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    const line = text.split('\n').find((l) => l.startsWith('orders_created_total{'));
    expect(line).toContain('kind="standard"');
    expect(line).toMatch(/ 1$/);
  });

  it('gives the same metric back when asked twice, instead of failing', () => {
    const first = app.metrics.counter({ name: 'shared_total', help: 'x' });
    const second = app.metrics.counter({ name: 'shared_total', help: 'x' });
    expect(second).toBe(first);
  });
});
