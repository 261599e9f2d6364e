import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type ServiceInstance } from '../src/server.ts';
import { capturingLogger, testConfig } from '../src/testing.ts';

const logs = capturingLogger('access-log-test');
let app: ServiceInstance;

beforeAll(async () => {
  app = await createServer({ name: 'access-log-test', version: '1.0.0', logger: logs.log, config: testConfig() });
  app.get('/api/things/:id', { schema: { params: z.object({ id: z.string().min(3) }) } }, async (request) => ({ id: request.params.id }));
  app.get('/api/boom', async () => {
    throw new Error('boom');
  });
  await app.ready();
});

afterAll(() => app.close());

const linesOf = (requestId: string) => logs.lines().filter((line) => line.reqId === requestId);

describe('request log', () => {
  it('writes one line per request, when it completes: method, route, URL, status and time', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/things/abc?x=1', headers: { 'x-request-id': 'access-log-ok' } });
    expect(response.statusCode).toBe(200);
    const lines = linesOf('access-log-ok');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'request completed',
      method: 'GET',
      route: '/api/things/:id',
      url: '/api/things/abc?x=1',
      statusCode: 200,
    });
    expect(lines[0]?.responseTime).toBeTypeOf('number');
  });

  it('says which request failed and why, with the status it got', async () => {
    await app.inject({ method: 'GET', url: '/api/things/ab', headers: { 'x-request-id': 'access-log-400' } });
    expect(linesOf('access-log-400').find((line) => line.msg === 'request completed')).toMatchObject({ statusCode: 400 });
    await app.inject({ method: 'GET', url: '/api/boom', headers: { 'x-request-id': 'access-log-500' } });
    const failed = linesOf('access-log-500');
    expect(failed.some((line) => line.level === 'error')).toBe(true);
    expect(failed.find((line) => line.statusCode === 500)).toBeDefined();
  });

  it('leaves probes and scrapes out', async () => {
    await app.inject({ method: 'GET', url: '/healthz/live', headers: { 'x-request-id': 'access-log-probe' } });
    expect(linesOf('access-log-probe')).toEqual([]);
  });
});
