import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Conflict, NotFound } from '../src/failures.ts';
import { createServer, type ServiceInstance } from '../src/server.ts';
import { capturingLogger, testConfig } from '../src/testing.ts';

let app: ServiceInstance;
let base: string;
const logs = capturingLogger('server-test');

beforeAll(async () => {
  app = await createServer({ name: 'server-test', version: '1.2.3', logger: logs.log, config: testConfig({ BODY_LIMIT_BYTES: 2048 }) });
  app.post(
    '/api/things/:id',
    {
      schema: {
        params: z.object({ id: z.string().min(3) }),
        body: z.object({ size: z.enum(['Small', 'Medium', 'Large']), weight: z.number().positive() }),
      },
    },
    async (request) => ({ id: request.params.id, ...request.body }),
  );
  app.get('/api/missing', async () => {
    throw new NotFound('Thing 42 does not exist.');
  });
  app.get('/api/conflict', async () => {
    throw new Conflict('Delivery d1 is Cancelled; cannot move to Completed.', { extensions: { from: 'Cancelled', to: 'Completed' } });
  });
  app.get('/api/boom', async () => {
    throw new Error('connection string mongodb://admin:hunter2@db leaked?');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(() => app.close());

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('request ids', () => {
  it('echoes a well-formed x-request-id', async () => {
    const response = await fetch(`${base}/healthz/live`, { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
  });

  it('generates one when absent or malformed', async () => {
    const absent = await fetch(`${base}/healthz/live`);
    expect(absent.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const malformed = await fetch(`${base}/healthz/live`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(malformed.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('problem+json errors', () => {
  it('answers a valid request normally', async () => {
    const response = await post('/api/things/abc', JSON.stringify({ size: 'Small', weight: 2 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'abc', size: 'Small', weight: 2 });
  });

  it('lists every failing field of an invalid body with 400', async () => {
    const response = await post('/api/things/abc', JSON.stringify({ size: 'Huge', weight: -1 }));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem).toMatchObject({ status: 400, title: 'Bad Request', type: expect.stringContaining('validation') });
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.size', 'body.weight']);
  });

  it('reports invalid path parameters', async () => {
    const response = await post('/api/things/ab', JSON.stringify({ size: 'Small', weight: 1 }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown }).errors).toEqual([{ path: 'params.id', message: expect.any(String) }]);
  });

  it('answers malformed JSON with 400', async () => {
    const response = await post('/api/things/abc', '{"size": ');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { detail: string }).detail).toMatch(/JSON/i);
  });

  it('answers a body that is not JSON (text/plain included) with 415', async () => {
    for (const type of ['text/plain', 'application/xml']) {
      const response = await post('/api/things/abc', '{"size":"Small","weight":1}', { 'content-type': type });
      expect(response.status).toBe(415);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('answers a body over the limit with 413', async () => {
    const response = await post('/api/things/abc', JSON.stringify({ size: 'Small', weight: 1, pad: 'x'.repeat(4096) }));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { status: number }).status).toBe(413);
  });

  it('answers an unknown route with 404 naming it', async () => {
    const response = await fetch(`${base}/api/nowhere?x=1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, detail: 'No route for GET /api/nowhere.' });
  });

  it('maps typed domain errors to their status with extensions', async () => {
    const missing = await fetch(`${base}/api/missing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 404, detail: 'Thing 42 does not exist.', instance: '/api/missing' });
    const conflict = await fetch(`${base}/api/conflict`);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ status: 409, from: 'Cancelled', to: 'Completed' });
  });

  it('answers an unexpected error with 500 and no internals, and logs it', async () => {
    const response = await fetch(`${base}/api/boom`, { headers: { 'x-request-id': 'req-boom' } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    expect(JSON.parse(text)).toMatchObject({ status: 500, requestId: 'req-boom' });
    const logged = logs.lines().find((line) => line.reqId === 'req-boom' && line.level === 'error');
    expect(logged?.err).toBeDefined();
  });
});

describe('slow clients', () => {
  it("a body trickling in past REQUEST_TIMEOUT_MS gets 408 soon after the limit, not at Node's 30 s sweep", async () => {
    const slow = await createServer({ name: 'slow', version: '0', logger: logs.log, config: testConfig({ REQUEST_TIMEOUT_MS: 500 }) });
    slow.post('/api/things', async () => ({ ok: true }));
    await slow.listen({ host: '127.0.0.1', port: 0 });
    const { port } = slow.server.address() as { port: number };
    try {
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        const socket = connect({ host: '127.0.0.1', port }, () => {
          socket.write('POST /api/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
          const drip = setInterval(() => socket.writable && socket.write(' '), 200);
          socket.on('close', () => clearInterval(drip));
        });
        socket.on('data', (data) => {
          text += data.toString();
        });
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await slow.close();
    }
  });
});

describe('security headers', () => {
  it('sets the usual hardening headers', async () => {
    const response = await fetch(`${base}/healthz/live`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});

describe('logging', () => {
  it('logs service identity and never the authorization header', async () => {
    await fetch(`${base}/api/missing`, { headers: { authorization: 'Bearer s3cr3t-token' } });
    app.log.info({ headers: { authorization: 'Bearer s3cr3t-token' }, db: { password: 'pw' } }, 'explicit');
    const all = JSON.stringify(logs.lines());
    expect(all).not.toContain('s3cr3t-token');
    expect(all).not.toContain('"pw"');
    const explicit = logs.lines().find((line) => line.msg === 'explicit');
    expect(explicit).toMatchObject({ service: 'server-test', version: '0.0.0-test', headers: { authorization: '[redacted]' } });
  });
});

describe('/openapi.json', () => {
  it('describes the routes from their zod schemas as OpenAPI 3.1, without the operational routes', async () => {
    const response = await fetch(`${base}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe('1.2.3');
    const post = document.paths['/api/things/{id}']?.post;
    expect(post?.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path' }));
    expect(JSON.stringify(post?.requestBody)).toContain('"enum":["Small","Medium","Large"]');
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/healthz') || path === '/metrics')).toEqual([]);
  });
});
