import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type ServiceInstance } from '../src/server.ts';
import { capturingLogger, testConfig } from '../src/testing.ts';

let app: ServiceInstance | undefined;

async function start(setup: (app: ServiceInstance) => void = () => {}): Promise<string> {
  app = await createServer({ name: 'health-test', version: '1.0.0', logger: capturingLogger().log, config: testConfig() });
  setup(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('probes', () => {
  it('live answers while starting; startup and ready do not until started', async () => {
    const base = await start();
    expect((await fetch(`${base}/healthz/live`)).status).toBe(200);
    expect((await fetch(`${base}/healthz/startup`)).status).toBe(503);
    const ready = await fetch(`${base}/healthz/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not-ready', state: 'starting' });

    app?.health.markStarted();
    expect((await fetch(`${base}/healthz/startup`)).status).toBe(200);
    expect((await fetch(`${base}/healthz/ready`)).status).toBe(200);
  });

  it('readiness fails while a dependency check fails, and says which', async () => {
    let databaseUp = false;
    const base = await start((a) => {
      a.health.addCheck({ name: 'cache', check: async () => {} });
      a.health.addCheck({
        name: 'database',
        cacheMs: 0,
        check: async () => {
          if (!databaseUp) throw new Error('connect ECONNREFUSED');
        },
      });
    });
    app?.health.markStarted();
    const down = await fetch(`${base}/healthz/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      checks: { cache: { status: 'up' }, database: { status: 'down', error: 'connect ECONNREFUSED' } },
    });
    // Liveness ignores dependencies: restarting this process would not fix the database.
    expect((await fetch(`${base}/healthz/live`)).status).toBe(200);

    databaseUp = true;
    expect((await fetch(`${base}/healthz/ready`)).status).toBe(200);
  });

  it('a check that hangs fails by its timeout', async () => {
    const base = await start((a) => a.health.addCheck({ name: 'slow', timeoutMs: 50, check: () => new Promise(() => {}) }));
    app?.health.markStarted();
    const response = await fetch(`${base}/healthz/ready`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { checks: Record<string, unknown> }).checks.slow).toMatchObject({
      status: 'down',
      error: 'timed out after 50 ms',
    });
  });

  it('caches check results so probes do not hammer dependencies', async () => {
    let calls = 0;
    const base = await start((a) =>
      a.health.addCheck({
        name: 'counted',
        cacheMs: 60_000,
        check: async () => {
          calls += 1;
        },
      }),
    );
    app?.health.markStarted();
    await Promise.all(Array.from({ length: 10 }, () => fetch(`${base}/healthz/ready`)));
    await fetch(`${base}/healthz/ready`);
    expect(calls).toBe(1);
  });

  it('readiness turns false when draining, while liveness stays true', async () => {
    const base = await start();
    app?.health.markStarted();
    app?.health.markDraining();
    const response = await fetch(`${base}/healthz/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ state: 'draining' });
    expect((await fetch(`${base}/healthz/live`)).status).toBe(200);
  });
});
