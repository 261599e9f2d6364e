// HttpClient against a real local upstream whose failures each test scripts: what a caller
// of another service sees when that service is slow, flaky, down or overloaded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient, type HttpClientOptions, UpstreamError } from '../src/http-client.ts';
import { Metrics } from '../src/metrics.ts';

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** performance.now() when the request arrived. */
  at: number;
}

/** Answers one request; `index` counts requests from 0, so "fail the first N" is `index < N`. */
type Handler = (request: ReceivedRequest, response: ServerResponse, index: number) => void;

interface Upstream {
  baseUrl: string;
  received: ReceivedRequest[];
  handle(handler: Handler): void;
  /** Resolves when the next request has arrived. */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const received: ReceivedRequest[] = [];
  const waiting: ((request: ReceivedRequest) => void)[] = [];
  let handler: Handler = (_request, response) => json(response, 200, { ok: true });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: performance.now(),
      };
      received.push(request);
      handler(request, res, received.length - 1);
      for (const resolve of waiting.splice(0)) resolve(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    handle: (next) => {
      handler = next;
    },
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Answers after `ms`, unless the client has given up and closed the connection by then. */
function later(ms: number, answer: () => void): void {
  setTimeout(answer, ms).unref();
}

/** The value of one sample in the Prometheus text, or undefined if no line carries these labels. */
async function sample(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => candidate.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function failureOf(call: Promise<unknown>): Promise<UpstreamError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

// Small delays so a whole failure scenario takes milliseconds, not seconds. The per-attempt
// timeout stays generous: a busy 2-core CI machine can take a second to answer a healthy
// call, and only the timeout tests (which set their own, against an upstream that never
// answers in time) are about timing out.
const fast = {
  timeoutMs: 5_000,
  retries: 0,
  retryBaseDelayMs: 5,
  retryMaxDelayMs: 20,
  breakerThreshold: 100,
  breakerHalfOpenAfterMs: 200,
};

describe('HttpClient', () => {
  let upstream: Upstream;
  let metrics: Metrics;
  const clients: HttpClient[] = [];

  function client(overrides: Partial<HttpClientOptions> = {}): HttpClient {
    const created = new HttpClient({ upstream: 'package', baseUrl: upstream.baseUrl, metrics, ...fast, ...overrides });
    clients.push(created);
    return created;
  }

  beforeEach(async () => {
    upstream = await startUpstream();
    metrics = new Metrics('svc');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((created) => created.close()));
    await upstream.close();
  });

  describe('a healthy upstream', () => {
    it('returns status, headers and the parsed JSON body, and builds the query string', async () => {
      upstream.handle((request, response) => json(response, 200, { path: request.url }, { 'x-request-id': 'abc' }));

      const response = await client().request<{ path: string }>({
        method: 'GET',
        path: '/packages',
        query: { page: 2, q: 'a b&c', unset: undefined },
      });

      expect(response.status).toBe(200);
      expect(response.headers['x-request-id']).toBe('abc');
      expect(response.body).toEqual({ path: '/packages?page=2&q=a+b%26c' });
      expect(upstream.received[0]?.headers.accept).toBe('application/json');
    });

    it('prefixes request paths with the path of the base URL', async () => {
      upstream.handle((request, response) => json(response, 200, { path: request.url }));

      const response = await client({ baseUrl: `${upstream.baseUrl}/api/v1/` }).request<{ path: string }>({
        method: 'GET',
        path: '/packages/p-1',
      });

      expect(response.body).toEqual({ path: '/api/v1/packages/p-1' });
    });

    it('sends the request body as JSON with its content type, and the caller headers', async () => {
      upstream.handle((_request, response) => json(response, 201, { id: 'p-1' }));

      const response = await client().request({
        method: 'POST',
        path: '/packages',
        headers: { 'X-Correlation-Id': 'c-9', 'x-unset': undefined },
        body: { size: 'small', weight: 2.5 },
      });

      expect(response).toMatchObject({ status: 201, body: { id: 'p-1' } });
      const received = upstream.received[0];
      expect(received?.method).toBe('POST');
      expect(received?.headers['content-type']).toBe('application/json');
      expect(received?.headers['x-correlation-id']).toBe('c-9');
      expect(received?.headers).not.toHaveProperty('x-unset');
      expect(JSON.parse(received?.body ?? '')).toEqual({ size: 'small', weight: 2.5 });
    });

    it('returns a body that is not JSON as text, and an empty body as undefined', async () => {
      upstream.handle((request, response) => {
        if (request.url === '/text') response.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
        else response.writeHead(204).end();
      });

      expect((await client().request({ method: 'GET', path: '/text' })).body).toBe('plain words');
      expect((await client().request({ method: 'DELETE', path: '/empty' })).body).toBeUndefined();
    });

    it('records the call in the duration histogram by method and status', async () => {
      await client().request({ method: 'GET', path: '/packages/1' });

      expect(
        await sample(metrics, 'http_client_request_duration_seconds_count', { upstream: 'package', method: 'GET', outcome: '200' }),
      ).toBe(1);
      expect(await sample(metrics, 'http_client_attempts_total', { upstream: 'package' })).toBe(1);
    });
  });

  describe('per-attempt timeout', () => {
    it('rejects with reason "timeout" when the upstream answers later than timeoutMs', async () => {
      upstream.handle((_request, response) => later(1_000, () => json(response, 200, {})));

      const error = await failureOf(client({ timeoutMs: 100 }).request({ method: 'GET', path: '/slow' }));

      expect(error.reason).toBe('timeout');
      expect(error.upstream).toBe('package');
      expect(upstream.received).toHaveLength(1);
    });

    it('times out an attempt whose body stalls after the headers arrived', async () => {
      upstream.handle((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"partial":');
      });

      const error = await failureOf(client({ timeoutMs: 100 }).request({ method: 'GET', path: '/stalls' }));

      expect(error.reason).toBe('timeout');
    });

    it('gives every retry its own timeout: retries 2 means the upstream sees 3 attempts', async () => {
      upstream.handle((_request, response) => later(1_000, () => json(response, 200, {})));

      const error = await failureOf(client({ timeoutMs: 100, retries: 2 }).request({ method: 'GET', path: '/slow' }));

      expect(error.reason).toBe('timeout');
      expect(upstream.received).toHaveLength(3);
      expect(await sample(metrics, 'http_client_retries_total', { upstream: 'package' })).toBe(2);
    });
  });

  describe('retries', () => {
    it('retries a GET past two 503s and succeeds on the third attempt', async () => {
      upstream.handle((_request, response, index) => (index < 2 ? json(response, 503, { busy: true }) : json(response, 200, { id: 1 })));

      const response = await client({ retries: 3 }).request({ method: 'GET', path: '/packages/1' });

      expect(response).toMatchObject({ status: 200, body: { id: 1 } });
      expect(upstream.received).toHaveLength(3);
      expect(await sample(metrics, 'http_client_retries_total', { upstream: 'package' })).toBe(2);
      expect(await sample(metrics, 'http_client_attempts_total', { upstream: 'package' })).toBe(3);
    });

    it('gives up after the last retry with reason "status", the status and the body', async () => {
      upstream.handle((_request, response) => json(response, 502, { error: 'bad gateway' }));

      const error = await failureOf(client({ retries: 2 }).request({ method: 'GET', path: '/packages/1' }));

      expect(error).toMatchObject({ reason: 'status', status: 502, body: { error: 'bad gateway' } });
      expect(upstream.received).toHaveLength(3);
      expect(
        await sample(metrics, 'http_client_request_duration_seconds_count', { upstream: 'package', method: 'GET', outcome: '502' }),
      ).toBe(1);
    });

    it('does not retry a POST: the upstream sees exactly one request', async () => {
      upstream.handle((_request, response) => json(response, 503, {}));

      const error = await failureOf(client({ retries: 3 }).request({ method: 'POST', path: '/packages', body: { size: 'small' } }));

      expect(error).toMatchObject({ reason: 'status', status: 503 });
      expect(upstream.received).toHaveLength(1);
    });

    it('retries a POST the caller marks idempotent: retries + 1 requests', async () => {
      upstream.handle((_request, response) => json(response, 503, {}));

      const error = await failureOf(
        client({ retries: 3 }).request({ method: 'POST', path: '/packages', body: { size: 'small' }, idempotent: true }),
      );

      expect(error.reason).toBe('status');
      expect(upstream.received).toHaveLength(4);
      expect(upstream.received.map((request) => request.body)).toEqual(Array(4).fill('{"size":"small"}'));
    });

    it.each([404, 409])('returns a %i as a response: not thrown, not retried', async (status) => {
      upstream.handle((_request, response) => json(response, status, { title: 'no' }));

      const response = await client({ retries: 3 }).request({ method: 'PUT', path: '/packages/1', body: {} });

      expect(response).toMatchObject({ status, body: { title: 'no' } });
      expect(upstream.received).toHaveLength(1);
    });
  });

  describe('Retry-After', () => {
    it('passes the advertised delay of a 503 on to the caller as retryAfterMs', async () => {
      upstream.handle((_request, response) => json(response, 503, {}, { 'retry-after': '7' }));

      const error = await failureOf(client().request({ method: 'GET', path: '/packages/1' }));

      expect(error).toMatchObject({ reason: 'status', status: 503, retryAfterMs: 7_000 });
    });

    it('reads Retry-After given as an HTTP date on a 429', async () => {
      const inThirtySeconds = new Date(Date.now() + 30_000).toUTCString();
      upstream.handle((_request, response) => json(response, 429, {}, { 'retry-after': inThirtySeconds }));

      const error = await failureOf(client().request({ method: 'GET', path: '/packages/1' }));

      expect(error).toMatchObject({ reason: 'status', status: 429 });
      expect(error.retryAfterMs).toBeGreaterThan(25_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
    });

    it('waits Retry-After before retrying, capped at retryMaxDelayMs', async () => {
      // Jitter alone would wait under 1 ms; the cap turns "1 second" into 60 ms.
      upstream.handle((_request, response, index) =>
        index === 0 ? json(response, 503, {}, { 'retry-after': '1' }) : json(response, 200, {}),
      );

      const response = await client({ retries: 1, retryBaseDelayMs: 1, retryMaxDelayMs: 60 }).request({ method: 'GET', path: '/p' });

      expect(response.status).toBe(200);
      const [first, second] = upstream.received;
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(50);
    });
  });

  describe('circuit breaker', () => {
    const breaking = { breakerThreshold: 3, breakerHalfOpenAfterMs: 200 };

    async function openBreaker(http: HttpClient): Promise<void> {
      upstream.handle((_request, response) => json(response, 503, {}));
      for (let i = 0; i < breaking.breakerThreshold; i++) {
        expect((await failureOf(http.request({ method: 'GET', path: '/p' }))).reason).toBe('status');
      }
    }

    it('opens after breakerThreshold consecutive failures and then fails fast without calling the upstream', async () => {
      const http = client(breaking);
      expect(await sample(metrics, 'http_client_circuit_state', { upstream: 'package' })).toBe(0);

      await openBreaker(http);
      const error = await failureOf(http.request({ method: 'GET', path: '/p' }));

      expect(error).toMatchObject({ reason: 'circuit-open', retryAfterMs: 200 });
      expect(upstream.received).toHaveLength(3);
      expect(http.circuitState).toBe(1);
      expect(await sample(metrics, 'http_client_circuit_state', { upstream: 'package' })).toBe(1);
      expect(await sample(metrics, 'http_client_rejections_total', { upstream: 'package', reason: 'circuit-open' })).toBe(1);
    });

    it('closes again when the trial request after breakerHalfOpenAfterMs succeeds', async () => {
      const http = client(breaking);
      await openBreaker(http);
      upstream.handle((_request, response) => json(response, 200, { healed: true }));

      await sleep(250);
      const trial = await http.request({ method: 'GET', path: '/p' });

      expect(trial.body).toEqual({ healed: true });
      expect(upstream.received).toHaveLength(4);
      expect(http.circuitState).toBe(0);
      expect(await sample(metrics, 'http_client_circuit_state', { upstream: 'package' })).toBe(0);
      expect((await http.request({ method: 'GET', path: '/p' })).status).toBe(200);
    });

    it('opens again when the trial request fails', async () => {
      const http = client(breaking);
      await openBreaker(http);

      await sleep(250);
      const trial = await failureOf(http.request({ method: 'GET', path: '/p' }));

      expect(trial).toMatchObject({ reason: 'status', status: 503 });
      expect(upstream.received).toHaveLength(4);
      expect(http.circuitState).toBe(1);
      expect(await sample(metrics, 'http_client_circuit_state', { upstream: 'package' })).toBe(1);
      expect((await failureOf(http.request({ method: 'GET', path: '/p' }))).reason).toBe('circuit-open');
      expect(upstream.received).toHaveLength(4);
    });

    it("reports the upstream's own answer when this call's failures opened the circuit mid-retry", async () => {
      // One request the upstream always fails (a poison message): its retries open the
      // circuit. Its caller must see the 500 it got, a failure of this request, not
      // "circuit open", which says the upstream is down for everyone and costs no attempt.
      upstream.handle((_request, response) => json(response, 500, { detail: 'cannot serialize' }));
      const http = client({ ...breaking, retries: 5, retryBaseDelayMs: 1, retryMaxDelayMs: 2 });

      const error = await failureOf(http.request({ method: 'PUT', path: '/p', body: {} }));

      expect(http.circuitState).toBe(1);
      expect(error).toMatchObject({ reason: 'status', status: 500 });
      expect(upstream.received).toHaveLength(3);
      // A call that never reached the upstream still learns that the circuit is open.
      expect((await failureOf(http.request({ method: 'PUT', path: '/p', body: {} }))).reason).toBe('circuit-open');
    });

    it('does not count 4xx answers as failures', async () => {
      upstream.handle((_request, response) => json(response, 409, {}));
      const http = client(breaking);

      for (let i = 0; i < breaking.breakerThreshold + 2; i++) await http.request({ method: 'GET', path: '/p' });

      expect(http.circuitState).toBe(0);
      expect(upstream.received).toHaveLength(5);
    });
  });

  describe('bulkhead', () => {
    it('runs bulkheadLimit calls, queues bulkheadQueue more, and rejects the rest with reason "bulkhead-full"', async () => {
      upstream.handle((_request, response) => later(50, () => json(response, 200, {})));
      const http = client({ bulkheadLimit: 2, bulkheadQueue: 1, timeoutMs: 1_000 });

      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => http.request({ method: 'GET', path: '/p' })));

      const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(rejected).toHaveLength(2);
      for (const outcome of rejected) expect(outcome.reason).toMatchObject({ name: 'UpstreamError', reason: 'bulkhead-full' });
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
      expect(upstream.received).toHaveLength(3);
      expect(await sample(metrics, 'http_client_rejections_total', { upstream: 'package', reason: 'bulkhead-full' })).toBe(2);
    });
  });

  describe('network failure', () => {
    it('rejects with reason "network" when nothing listens on the port', async () => {
      const http = client();
      await upstream.close();

      const error = await failureOf(http.request({ method: 'GET', path: '/p' }));

      expect(error.reason).toBe('network');
      expect(error.cause).toBeDefined();
    });
  });

  describe('caller abort', () => {
    it('rejects with reason "aborted" when the caller aborts a call in flight', async () => {
      upstream.handle(() => {}); // never answers
      const caller = new AbortController();
      const call = client({ timeoutMs: 1_000, retries: 2 }).request({ method: 'GET', path: '/p', signal: caller.signal });

      await upstream.nextRequest();
      caller.abort();
      const error = await failureOf(call);

      expect(error.reason).toBe('aborted');
      expect(upstream.received).toHaveLength(1);
    });

    it('does not call the upstream when the signal is already aborted', async () => {
      const error = await failureOf(client().request({ method: 'GET', path: '/p', signal: AbortSignal.abort() }));

      expect(error.reason).toBe('aborted');
      expect(upstream.received).toHaveLength(0);
    });

    // Known bug: the aggressive timeout policy turns the caller's abort into a TaskCancelledError,
    // which the breaker counts as an upstream failure. Drop `.fails` once http-client.ts tells them apart.
    it('does not count caller aborts as upstream failures for the breaker', async () => {
      upstream.handle(() => {}); // never answers
      const http = client({ timeoutMs: 1_000, breakerThreshold: 2 });

      for (let i = 0; i < 2; i++) {
        const caller = new AbortController();
        const call = http.request({ method: 'GET', path: '/p', signal: caller.signal });
        await upstream.nextRequest();
        caller.abort();
        expect((await failureOf(call)).reason).toBe('aborted');
      }

      expect(http.circuitState).toBe(0);
    });
  });
});
