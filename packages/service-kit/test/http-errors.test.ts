// Every error a kit server gives is application/problem+json, including the ones Node's
// HTTP parser and Fastify's router answer before any handler runs; checked on real sockets.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type ServiceInstance } from '../src/server.ts';
import { capturingLogger, testConfig } from '../src/testing.ts';

let app: ServiceInstance;
let port: number;
let base: string;

/** The contract's identifier: up to 128 of letters, digits and . _ : @ - */
const identifier = z
  .string()
  .max(128)
  .regex(/^[\w.:@-]+$/);

beforeAll(async () => {
  app = await createServer({ name: 'errors-test', version: '1', logger: capturingLogger().log, config: testConfig() });
  app.get('/api/things/:id', { schema: { params: z.object({ id: identifier }) } }, async (request) => ({ id: request.params.id }));
  app.post('/api/things', { schema: { body: z.object({ name: z.string() }) } }, async (request) => ({ name: request.body.name }));
  app.delete('/api/things/:id', async () => ({ deleted: true }));
  // A route that answers "not found" for its own method, as a static file server does.
  app.get('/api/files/*', async (_request, reply) => reply.callNotFound());
  app.get('/api/slow', async () => {
    await sleep(300);
    return { slow: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(() => app.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `text` as is on a new connection, then each of `later` once the promise before it
 * resolves, and returns every response read until the connection closes.
 */
function raw(text: string | Buffer, targetPort = port, later: { after: Promise<unknown>; text: string }[] = []): Promise<RawAnswer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port: targetPort }, async () => {
      socket.write(text);
      for (const next of later) {
        await next.after;
        socket.write(next.text);
      }
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseResponses(Buffer.concat(chunks).toString('utf8'))));
  });
}

function parseResponses(text: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const [statusLine = '', ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? 0);
    const bodyBytes = Buffer.from(rest.slice(headEnd + 4), 'utf8');
    answers.push({ status: Number(statusLine.split(' ')[1]), headers, body: bodyBytes.subarray(0, length).toString('utf8') });
    rest = bodyBytes.subarray(length).toString('utf8');
  }
  return answers;
}

function expectProblem(answer: RawAnswer, status: number): Record<string, unknown> {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  expect(problem).toMatchObject({
    status,
    type: expect.stringMatching(/^https:\/\//),
    title: expect.any(String),
    detail: expect.any(String),
  });
  return problem;
}

describe('path parameters as long as the contract allows', () => {
  it('routes a 128-character identifier, and the same identifier with every character percent-encoded', async () => {
    const id = `${'a'.repeat(60)}.${'B'.repeat(30)}_9:x@y-${'z'.repeat(30)}`;
    expect(id).toHaveLength(128);
    const plain = await fetch(`${base}/api/things/${id}`);
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({ id });
    const encoded = [...id].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
    expect(encoded).toHaveLength(384);
    const response = await fetch(`${base}/api/things/${encoded}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id });
  });

  it('leaves an identifier longer than the contract to validation: 400 naming the field', async () => {
    const response = await fetch(`${base}/api/things/${'a'.repeat(129)}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ path: 'params.id' }] });
  });

  it('answers a path segment beyond what any identifier can be with 414 problem+json', async () => {
    const response = await fetch(`${base}/api/things/${'a'.repeat(385)}`);
    expect(response.status).toBe(414);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.json()).toMatchObject({ status: 414, title: 'URI Too Long', type: expect.stringContaining('uri-too-long') });
  });

  it('answers a malformed percent-encoding in the path with 400 problem+json', async () => {
    const [answer] = await raw('GET /api/things/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expectProblem(answer as RawAnswer, 400);
  });
});

describe("what Node's HTTP parser refuses, as problem+json", () => {
  it('431 for header fields over the size limit', async () => {
    const [answer] = await raw(`GET /api/things/a HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(expectProblem(answer as RawAnswer, 431)).toMatchObject({ title: 'Request Header Fields Too Large' });
    expect(answer?.headers['strict-transport-security']).toContain('max-age=');
  });

  it('414 for a request line over the size limit', async () => {
    const [answer] = await raw(`GET /api/things/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(expectProblem(answer as RawAnswer, 414)).toMatchObject({ title: 'URI Too Long' });
  });

  it('400 for a malformed request line', async () => {
    const [answer] = await raw('NOT HTTP AT ALL\r\n\r\n');
    expectProblem(answer as RawAnswer, 400);
  });

  it('417 for an expectation other than 100-continue', async () => {
    const [answer] = await raw('GET /api/things/a HTTP/1.1\r\nHost: x\r\nExpect: something\r\nConnection: close\r\n\r\n');
    expectProblem(answer as RawAnswer, 417);
  });

  it('408 for a body that does not arrive within REQUEST_TIMEOUT_MS', async () => {
    const slow = await createServer({
      name: 'slow',
      version: '0',
      logger: capturingLogger().log,
      config: testConfig({ REQUEST_TIMEOUT_MS: 300 }),
    });
    slow.post('/api/things', async () => ({ ok: true }));
    await slow.listen({ host: '127.0.0.1', port: 0 });
    try {
      const slowPort = (slow.server.address() as { port: number }).port;
      const [answer] = await raw(
        'POST /api/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
        slowPort,
      );
      expect(expectProblem(answer as RawAnswer, 408)).toMatchObject({ title: 'Request Timeout' });
    } finally {
      await slow.close();
    }
  });
});

describe('405 Method Not Allowed', () => {
  it('answers a method a path does not serve with 405 and an Allow header listing the ones it does', async () => {
    const response = await fetch(`${base}/api/things`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 405, title: 'Method Not Allowed', instance: '/api/things' });

    const put = await fetch(`${base}/api/things/abc`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD']);
  });

  it('answers 404 or 405 before looking at the body: its syntax, content type or absence say nothing about the route', async () => {
    const malformed = await fetch(`${base}/api/nowhere`, {
      method: 'POST',
      body: '{"a": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(404);
    const wrongMethod = await fetch(`${base}/api/things/abc`, {
      method: 'POST',
      body: '{"a": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(wrongMethod.status).toBe(405);
    const notUtf8 = await fetch(`${base}/api/things/abc`, {
      method: 'PATCH',
      body: Buffer.from([0x7b, 0xff, 0x7d]),
      headers: { 'content-type': 'application/json' },
    });
    expect(notUtf8.status).toBe(405);
    // QUERY (RFC 10008) must carry a Content-Type; Fastify refused it with 400 before routing.
    const [query] = await raw('QUERY /api/things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(expectProblem(query as RawAnswer, 405)).toMatchObject({ title: 'Method Not Allowed' });
    expect(query?.headers.allow).toBe('POST');
  });

  it('keeps 404 for a path nothing serves, and for a route that answers not-found for its own method', async () => {
    const nowhere = await fetch(`${base}/api/nowhere`, { method: 'POST' });
    expect(nowhere.status).toBe(404);
    expect(nowhere.headers.get('allow')).toBeNull();
    const file = await fetch(`${base}/api/files/missing.txt`);
    expect(file.status).toBe(404);
    expect(await file.json()).toMatchObject({ status: 404 });
  });

  it('is not fooled by a catch-all route such as the CORS preflight (OPTIONS *)', async () => {
    const withCors = await createServer({ name: 'cors', version: '0', logger: capturingLogger().log, config: testConfig() });
    withCors.options('*', async () => '');
    withCors.post('/api/things', async () => ({}));
    try {
      expect((await withCors.inject({ method: 'GET', url: '/api/elsewhere' })).statusCode).toBe(404);
      const wrongMethod = await withCors.inject({ method: 'GET', url: '/api/things' });
      expect(wrongMethod.statusCode).toBe(405);
      expect(wrongMethod.headers.allow).toBe('POST');
    } finally {
      await withCors.close();
    }
  });
});

describe('JSON bodies', () => {
  const post = (body: Buffer | string, type = 'application/json') =>
    app.inject({ method: 'POST', url: '/api/things', headers: { 'content-type': type }, payload: body });

  it('accepts UTF-8, multi-byte characters included', async () => {
    const response = await post(Buffer.from(JSON.stringify({ name: 'Zoë 🚁 Łódź' }), 'utf8'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'Zoë 🚁 Łódź' });
  });

  it('refuses bytes that are not UTF-8 with 400 problem+json instead of reading them as U+FFFD', async () => {
    for (const bytes of [
      Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"name":"\xff\xfe"}
      Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3]), Buffer.from('"}')]), // a truncated sequence
      Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), // an encoded surrogate
    ]) {
      const response = await post(bytes);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({ status: 400, type: expect.stringContaining('invalid-utf-8') });
    }
  });

  it('keeps the prototype-poisoning protections, and 400 for malformed or empty JSON', async () => {
    const poisoned = await post('{"name":"x","__proto__":{"admin":true}}');
    expect(poisoned.statusCode).toBe(400);
    expect(poisoned.headers['content-type']).toContain('application/problem+json');
    const constructorPoisoned = await post('{"name":"x","constructor":{"prototype":{"admin":true}}}');
    expect(constructorPoisoned.statusCode).toBe(400);
    expect((await post('{"name": ')).statusCode).toBe(400);
    expect((await post('')).statusCode).toBe(400);
  });

  it('still answers text/plain with 415', async () => {
    const response = await post('{"name":"x"}', 'text/plain');
    expect(response.statusCode).toBe(415);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});

describe('while closing', () => {
  it('answers a request that arrives on a kept-alive connection with 503 problem+json and Connection: close', async () => {
    const closing = await createServer({ name: 'closing', version: '0', logger: capturingLogger().log, config: testConfig() });
    closing.get('/api/slow', async () => {
      await sleep(300);
      return { slow: true };
    });
    await closing.listen({ host: '127.0.0.1', port: 0 });
    const closingPort = (closing.server.address() as { port: number }).port;
    // The second request arrives on the same connection while the first is still being
    // answered, after close() has begun.
    let closed: Promise<undefined> | undefined;
    const closeStarted = sleep(100).then(() => {
      closed = closing.close();
      return sleep(50);
    });
    const answers = raw('GET /api/slow HTTP/1.1\r\nHost: x\r\n\r\n', closingPort, [
      { after: closeStarted, text: 'GET /api/slow HTTP/1.1\r\nHost: x\r\n\r\n' },
    ]);
    const [first, second] = await answers;
    await closed;
    expect(first?.status).toBe(200);
    expect(expectProblem(second as RawAnswer, 503)).toMatchObject({ title: 'Service Unavailable' });
    expect(second?.headers.connection).toBe('close');
  });
});
