// The gateway's OpenAPI document and docs page (gateway/src/app.ts): bearer authentication
// declared so the page can authorize "Try it out", and a docs CSP that lets swagger-ui run
// while the API keeps the kit's `default-src 'none'`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../gateway/src/app.ts';
import { configSchema } from '../../../gateway/src/config.ts';
import type { ServiceInstance } from '../src/server.ts';
import { capturingLogger, startForInject, testConfig } from '../src/testing.ts';

let gateway: ServiceInstance;

beforeAll(async () => {
  const nowhere = 'http://127.0.0.1:9';
  const config = {
    ...configSchema.parse({ JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256' }),
    ...testConfig(),
    INGESTION_URL: nowhere,
    DELIVERY_URL: nowhere,
    PACKAGE_URL: nowhere,
    DRONESCHEDULER_URL: nowhere,
  };
  gateway = await startForInject(await buildApp({ config, log: capturingLogger('gateway').log }));
});

afterAll(() => gateway.close());

function directives(header: unknown): Map<string, string[]> {
  return new Map(
    String(header)
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name as string, values]),
  );
}

describe('the gateway OpenAPI document', () => {
  it('declares bearer (JWT) authentication and requires it on every /api operation, with errors as problem+json', async () => {
    const document = (await gateway.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    expect(document.components.securitySchemes).toMatchObject({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.length).toBeGreaterThan(5);
    for (const { path, method, operation } of operations) {
      expect(path).toMatch(/^\/api\//);
      expect(operation.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (/^[45]/.test(status) && response.content) {
          expect(Object.keys(response.content), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        }
      }
    }
  });
});

describe('the docs page', () => {
  it("has a CSP of its own that lets swagger-ui's files and calls to this origin through, nothing inline or from elsewhere", async () => {
    const page = await gateway.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const csp = directives(page.headers['content-security-policy']);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    for (const kind of ['script-src', 'style-src', 'connect-src']) expect(csp.get(kind), kind).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    // Plain HTTP on a developer's machine: upgrading "Try it out" calls to https would break them.
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
    for (const asset of ['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/static/swagger-ui.css']) {
      expect((await gateway.inject({ method: 'GET', url: asset })).statusCode, asset).toBe(200);
    }
  });

  it('leaves the API with the strict policy', async () => {
    const response = await gateway.inject({ method: 'GET', url: '/api/deliveries/d-1' });
    expect(response.statusCode).toBe(401);
    expect(directives(response.headers['content-security-policy']).get('default-src')).toEqual(["'none'"]);
    expect(directives(response.headers['content-security-policy']).has('script-src')).toBe(false);
  });
});
