// The console's server through app.inject() and a real socket: the front end's settings, the
// development token signer on and off, the pages' security headers and cache rules, and
// /api/* passed through to a gateway, streams arriving as they are written.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConsoleConfig } from './config-fixture.ts';

const SECRET = 'a-development-secret-of-at-least-32-characters';

function builtFrontEnd(): string {
  const root = mkdtempSync(join(tmpdir(), 'console-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><title>Drone Delivery</title><script type="module" src="/assets/index-abc123.js"></script>',
  );
  writeFileSync(join(root, 'assets/index-abc123.js'), 'console.log("hello")');
  return root;
}

const build = (env: Record<string, string> = {}) =>
  buildApp({ config: loadConsoleConfig({ WEB_ROOT: builtFrontEnd(), ...env }), log: capturingLogger('console').log });

describe('GET /config.json', () => {
  it('tells the front end the service area and that development tokens are off', async () => {
    const app = await build();
    const response = await app.inject('/config.json');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      devTokens: false,
      ownerClaim: 'owner_id',
      serviceArea: { south: 47.45, west: -122.45, north: 47.75, east: -122.2 },
    });
  });

  it('passes on the tile layer and the identity provider when they are configured', async () => {
    const app = await build({
      TILE_URL: 'https://tile.example/{z}/{x}/{y}.png',
      OIDC_AUTHORITY: 'https://login.example/tenant/v2.0',
      OIDC_CLIENT_ID: 'console',
      DEV_TOKEN_SECRET: SECRET,
    });
    expect((await app.inject('/config.json')).json()).toMatchObject({
      tileUrl: 'https://tile.example/{z}/{x}/{y}.png',
      devTokens: true,
      oidc: { authority: 'https://login.example/tenant/v2.0', clientId: 'console', scope: 'openid profile' },
    });
  });
});

describe('POST /dev/tokens', () => {
  it('does not exist unless DEV_TOKEN_SECRET is set', async () => {
    const app = await build();
    const response = await app.inject({ method: 'POST', url: '/dev/tokens', payload: { role: 'operator' } });
    expect(response.statusCode).toBe(404);
  });

  it('signs a customer token the gateway accepts: HS256, issuer, audience, roles, owner claim, one hour', async () => {
    const app = await build({ DEV_TOKEN_SECRET: SECRET });
    const response = await app.inject({ method: 'POST', url: '/dev/tokens', payload: { role: 'customer', ownerId: 'owner-1' } });
    expect(response.statusCode).toBe(200);
    const { payload, protectedHeader } = await jwtVerify(response.json().token, new TextEncoder().encode(SECRET), {
      issuer: 'https://dronedelivery.local/',
      audience: 'api://dronedelivery',
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ roles: ['customer'], owner_id: 'owner-1' });
    expect(typeof payload.sub).toBe('string');
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
  });

  it('uses the configured issuer, audience and owner claim', async () => {
    const app = await build({ DEV_TOKEN_SECRET: SECRET, JWT_ISSUER: 'me', JWT_AUDIENCE: 'you', JWT_OWNER_CLAIM: 'oid' });
    const response = await app.inject({ method: 'POST', url: '/dev/tokens', payload: { role: 'customer', ownerId: 'o' } });
    expect(decodeJwt(response.json().token)).toMatchObject({ iss: 'me', aud: 'you', oid: 'o' });
  });

  it('signs an operator token without an owner', async () => {
    const app = await build({ DEV_TOKEN_SECRET: SECRET });
    const response = await app.inject({ method: 'POST', url: '/dev/tokens', payload: { role: 'operator' } });
    expect(decodeJwt(response.json().token)).toMatchObject({ roles: ['operator'] });
    expect(decodeJwt(response.json().token)).not.toHaveProperty('owner_id');
  });

  it.each([
    [{ role: 'customer' }, 'body.ownerId'],
    [{ role: 'drone' }, 'body.role'],
    [{ role: 'customer', ownerId: 'has spaces' }, 'body.ownerId'],
    [{ role: 'operator', admin: true }, 'body'],
  ])('answers 400 with the field for %j', async (payload, path) => {
    const app = await build({ DEV_TOKEN_SECRET: SECRET });
    const response = await app.inject({ method: 'POST', url: '/dev/tokens', payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((error: { path: string }) => error.path)).toContain(path);
  });
});

describe('the pages', () => {
  it('serve index.html uncached under a strict Content-Security-Policy', async () => {
    const app = await build({ TILE_URL: 'https://tile.example/{z}/{x}/{y}.png' });
    const response = await app.inject('/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("img-src 'self' https://tile.example");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('let hashed assets be cached for a year', async () => {
    const app = await build();
    const response = await app.inject('/assets/index-abc123.js');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answer the probes like every unit', async () => {
    const app = await build();
    expect((await app.inject('/healthz/live')).statusCode).toBe(200);
    expect((await app.inject('/metrics')).statusCode).toBe(200);
  });
});

describe('/api/* to the gateway', () => {
  let gateway: Server;
  let gatewayUrl: string;
  /** Lets the streaming handler write its second event when the test has seen the first. */
  let releaseSecond: () => void = () => {};

  beforeAll(async () => {
    gateway = createServer((request, response) => {
      if (request.url === '/api/drones/updates') {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        response.write(`event: fleet\ndata: {"n":1,"auth":${JSON.stringify(request.headers.authorization ?? null)}}\n\n`);
        releaseSecond = () => response.end('event: fleet\ndata: {"n":2}\n\n');
        return;
      }
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        response.writeHead(202, { 'content-type': 'application/json', location: '/api/deliveries/d1' });
        response.end(JSON.stringify({ method: request.method, url: request.url, body, authorization: request.headers.authorization }));
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => gateway.close(resolve)));

  it('passes the method, path, query, body and bearer token through, and the answer back', async () => {
    const app = await build({ GATEWAY_URL: gatewayUrl });
    const response = await app.inject({
      method: 'POST',
      url: '/api/deliveryrequests?x=1',
      headers: { authorization: 'Bearer a.b.c', 'content-type': 'application/json' },
      payload: { ownerId: 'o' },
    });
    expect(response.statusCode).toBe(202);
    expect(response.headers.location).toBe('/api/deliveries/d1');
    expect(response.json()).toEqual({
      method: 'POST',
      url: '/api/deliveryrequests?x=1',
      body: '{"ownerId":"o"}',
      authorization: 'Bearer a.b.c',
    });
  });

  it('passes a stream of server-sent events on as each event is written, not when it ends', async () => {
    const app = await build({ GATEWAY_URL: gatewayUrl });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/drones/updates`, {
        headers: { authorization: 'Bearer a.b.c' },
      });
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
      // The first event arrives while the gateway still holds the stream open.
      const first = await reader.read();
      expect(first.value).toContain('"n":1');
      expect(first.value).toContain('Bearer a.b.c');
      releaseSecond();
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += chunk.value;
      expect(rest).toContain('"n":2');
    } finally {
      await app.close();
    }
  });

  it('ends the event streams it passes on when it closes, rather than wait for them', async () => {
    const app = await build({ GATEWAY_URL: gatewayUrl });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/drones/updates`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    // The gateway holds this stream open: without the console ending it, close() would never resolve.
    await app.close();
    await expect(reader.read()).rejects.toThrow();
    releaseSecond();
  });
});
