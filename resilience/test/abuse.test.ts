// Bad input and abuse through the gateway of the whole system: 10,000 generated malformed
// and boundary requests across every public endpoint, oversized and deeply nested bodies,
// wrong content types, header floods, a body that trickles in, tampered tokens (HS256 and
// JWKS modes), spoofed identity headers, and one owner probing another's ids. Nothing may
// answer 5xx, crash, or change state.
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type RunningSystem, startInProcess } from '@dronedelivery/fleet';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, devToken } from '@dronedelivery/gateway/dev-token';
import { type Harness, startHarness } from '@dronedelivery/gateway/test/harness.ts';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryRequestBody } from '../src/client.ts';
import { fuzzRequests } from '../src/fuzz-requests.ts';
import { metricValue } from '../src/metrics.ts';
import { rawRequest } from '../src/raw-http.ts';

let system: RunningSystem;
let tokens: Record<'customer' | 'operator' | 'drone' | 'otherCustomer', string>;
const OWNER = 'fuzz-owner';

beforeAll(async () => {
  system = await startInProcess({ env: { LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000000', REQUEST_TIMEOUT_MS: '1000' } });
  tokens = {
    customer: await system.token(['customer'], OWNER),
    operator: await system.token(['operator']),
    drone: await system.token(['drone']),
    otherCustomer: await system.token(['customer'], 'another-owner'),
  };
});
afterAll(() => system?.stop());

const gateway = () => system.urls.gateway;
const accepted = async () => (await metricValue(system.urls.ingestion, 'ingestion_accepted_total', { type: 'delivery' })) ?? 0;
const allAccepted = async () => {
  const text = await (await fetch(`${system.urls.ingestion}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('ingestion_accepted_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
};

async function everyServiceReady(): Promise<boolean> {
  const answers = await Promise.all(Object.values(system.urls).map((url) => fetch(`${url}/healthz/ready`).then((r) => r.ok)));
  return answers.every(Boolean);
}

describe('generated malformed and boundary requests', () => {
  it('10,000 across every public endpoint: no 5xx, the system stays ready, and only accepted requests change anything', async () => {
    const requests = fuzzRequests(10_000, 20261128);
    const before = await allAccepted();
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    let acceptedByIngestion = 0;
    for (let start = 0; start < requests.length; start += 32) {
      await Promise.all(
        requests.slice(start, start + 32).map(async (request) => {
          const response = await fetch(`${gateway()}${request.path}`, {
            method: request.method,
            headers: {
              authorization: `Bearer ${tokens[request.role]}`,
              ...(request.contentType ? { 'content-type': request.contentType } : {}),
            },
            body: request.body,
          });
          await response.body?.cancel();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500)
            serverErrors.push(`${request.method} ${request.path} ${request.body?.slice(0, 120) ?? ''} → ${response.status}`);
          if (response.status === 202 && /^\/api\/deliveryrequests/.test(request.path)) acceptedByIngestion += 1;
        }),
      );
    }
    expect(serverErrors).toEqual([]);
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    // Mostly refused, some valid by chance: both kinds were exercised.
    expect([...statuses.entries()].filter(([status]) => status >= 400).reduce((sum, [, n]) => sum + n, 0)).toBeGreaterThan(5_000);
    // State changed exactly as often as ingestion said 202, never for a refused request.
    expect((await allAccepted()) - before).toBe(acceptedByIngestion);
    expect(await everyServiceReady()).toBe(true);
  });
});

describe('hostile requests', () => {
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${gateway()}/api/deliveryrequests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.customer}`, ...headers },
      body,
    });

  it('an oversized body: 413, nothing queued', async () => {
    const before = await accepted();
    const response = await post(JSON.stringify({ ...JSON.parse(deliveryRequestBody(OWNER)), dropOffLocation: 'x'.repeat(1_000_000) }));
    expect(response.status).toBe(413);
    expect(await accepted()).toBe(before);
  });

  it('deeply nested JSON: 400, not a stack overflow', async () => {
    // 10,000 levels is 50 KB, under the 64 KiB body limit.
    for (const depth of [1_000, 10_000]) {
      const response = await post(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
      expect(response.status).toBe(400);
    }
    expect(await everyServiceReady()).toBe(true);
  });

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'content type %s: 415, nothing queued',
    async (contentType) => {
      const before = await accepted();
      const response = await post(deliveryRequestBody(OWNER), { 'content-type': contentType });
      expect(response.status).toBe(415);
      expect(await accepted()).toBe(before);
    },
  );

  it('a header flood: 431 for oversized headers, and thousands of headers do not hurt', async () => {
    const { port } = new URL(gateway());
    const huge = await rawRequest(gateway(), [
      `GET /api/deliveries/x HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Flood: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    ]);
    expect(huge.status).toBe(431);
    const many = Array.from({ length: 5_000 }, (_, i) => `X-H${i}: ${i}\r\n`).join('');
    const flood = await rawRequest(gateway(), [
      `GET /healthz/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${many}Connection: close\r\n\r\n`,
    ]);
    expect(flood.status === 431 || (flood.status >= 200 && flood.status < 500)).toBe(true);
    expect(await everyServiceReady()).toBe(true);
  });

  it('a body that trickles in slower than the request timeout: 408 and the connection closed, nothing queued', async () => {
    const before = await accepted();
    const body = deliveryRequestBody(OWNER);
    const head = `POST /api/deliveryrequests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens.customer}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const chunks = [head, ...(body.match(/.{1,10}/g) ?? [])];
    const answer = await rawRequest(gateway(), chunks, 300, 15_000);
    expect(answer.status).toBe(408);
    expect(answer.elapsedMs).toBeLessThan(chunks.length * 300);
    expect(await accepted()).toBe(before);
  });
});

describe('tokens and identity (HS256 mode)', () => {
  const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  /** An operator's token of the system's secret, but for what `changes` spoil. */
  const operator = (changes: Partial<Parameters<typeof devToken>[0]> = {}) =>
    devToken({ secret: system.jwtSecret, roles: ['operator'], subject: 'x', expiresIn: '10m', ...changes });
  const claims = () => ({
    sub: 'x',
    roles: ['operator'],
    iss: DEFAULT_ISSUER,
    aud: DEFAULT_AUDIENCE,
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 600,
  });
  const read = (token: string) => fetch(`${gateway()}/api/deliveries/anything`, { headers: { authorization: `Bearer ${token}` } });

  it.each([
    ['alg none', async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`],
    ['alg none with a signature', async () => `${base64url({ alg: 'none' })}.${base64url(claims())}.c2ln`],
    ['HS512 with the right secret (only HS256 is accepted)', () => operator({ header: { alg: 'HS512' } })],
    ['another secret', () => operator({ secret: 'x'.repeat(40) })],
    ['expired', () => operator({ expiresIn: '-1h' })],
    ['not yet valid', () => operator({ notBefore: '1h' })],
    ['wrong audience', () => operator({ audience: 'api://other' })],
    ['wrong issuer', () => operator({ issuer: 'https://evil.example/' })],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (await operator()).split('.');
        return `${header}.${base64url({ ...claims(), roles: ['operator', 'admin'], sub: 'root' })}.${signature}`;
      },
    ],
    ['garbage', async () => 'a.b.c'],
  ])('%s: 401', async (_name, make) => {
    const response = await read(await make());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it("spoofed identity headers do not change who the caller is, and one owner cannot see another's deliveries", async () => {
    const created = await fetch(`${gateway()}/api/deliveryrequests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.customer}`, 'content-type': 'application/json' },
      body: deliveryRequestBody(OWNER),
    });
    const { deliveryId } = (await created.json()) as { deliveryId: string };
    // Wait until the workflow has scheduled it, so "not found" cannot be "not yet".
    for (let i = 0; i < 100; i += 1) {
      if (
        (await fetch(`${gateway()}/api/deliveries/${deliveryId}`, { headers: { authorization: `Bearer ${tokens.customer}` } })).status ===
        200
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const spoofed = {
      authorization: `Bearer ${tokens.otherCustomer}`,
      'x-caller-owner': OWNER,
      'x-caller-roles': 'operator',
      'x-caller-subject': 'root',
      'x-forwarded-for': '10.0.0.1',
    };
    for (const suffix of ['', '/status', '/events', '/details']) {
      const probe = await fetch(`${gateway()}/api/deliveries/${deliveryId}${suffix}`, { headers: spoofed });
      const missing = await fetch(`${gateway()}/api/deliveries/does-not-exist${suffix}`, { headers: spoofed });
      expect([probe.status, missing.status]).toEqual([404, 404]);
    }
    const invoice = await fetch(`${gateway()}/api/owners/${OWNER}/invoice?year=2030&month=5`, { headers: spoofed });
    expect(invoice.status).toBe(403);
    const cancel = await fetch(`${gateway()}/api/deliveryrequests/${deliveryId}`, { method: 'DELETE', headers: spoofed });
    expect(cancel.status).toBe(404);
    const own = await fetch(`${gateway()}/api/deliveries/${deliveryId}`, { headers: { authorization: `Bearer ${tokens.customer}` } });
    expect(own.status).toBe(200);
  });
});

describe('tokens (JWKS mode, as with Microsoft Entra ID)', () => {
  let harness: Harness;
  let jwks: Server;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const issuer = 'https://login.example/tenant/v2.0';
  const audience = 'api://dronedelivery';
  /** An operator's token from the tenant, signed with `key` under `header`. */
  const tenantToken = (key: Parameters<typeof devToken>[0]['secret'], header: Parameters<typeof devToken>[0]['header']) =>
    devToken({ secret: key, header, roles: ['operator'], subject: 'op', issuer, audience, expiresIn: '5m' });

  beforeAll(async () => {
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    jwks.listen(0, '127.0.0.1');
    await once(jwks, 'listening');
    const { port } = jwks.address() as { port: number };
    harness = await startHarness({
      JWT_SECRET: undefined,
      JWKS_URL: `http://127.0.0.1:${port}/keys`,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
    });
  });
  afterAll(async () => {
    await harness?.close();
    jwks?.close();
  });

  const status = async (token: string) =>
    (await harness.gateway.inject({ method: 'GET', url: '/api/deliveries/d-1', headers: { authorization: `Bearer ${token}` } })).statusCode;

  it('a token signed by the tenant key is accepted', async () => {
    expect(await status(await tenantToken(privateKey, { alg: 'RS256', kid: 'key-1' }))).toBe(404);
  });

  it('key confusion: HS256 signed with the public key as the secret is refused', async () => {
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    const n = (await exportJWK(publicKey)).n as string;
    for (const secret of [Buffer.from(pem), Buffer.from(n)]) {
      expect(await status(await tenantToken(secret, { alg: 'HS256', kid: 'key-1' }))).toBe(401);
    }
  });

  it("an attacker's own key, embedded in the token or under an unknown kid, is refused", async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const embedded = await tenantToken(attacker.privateKey, { alg: 'RS256', kid: 'key-1', jwk: await exportJWK(attacker.publicKey) });
    const unknownKid = await tenantToken(attacker.privateKey, { alg: 'RS256', kid: 'key-2' });
    expect([await status(embedded), await status(unknownKid)]).toEqual([401, 401]);
  });
});
