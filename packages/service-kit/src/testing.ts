// Helpers for tests of services built on the kit: a quiet configuration, a logger that
// keeps its lines, and a service run as a child process exactly as in production.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer as createNetServer } from 'node:net';
import { Writable } from 'node:stream';
import { type BaseConfig, baseConfigSchema } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import type { ServiceInstance } from './server.ts';

/** The base configuration with its defaults, listening on a random loopback port, no shutdown delay. */
export function testConfig(overrides: Partial<BaseConfig> = {}): BaseConfig {
  return {
    ...baseConfigSchema.parse({}),
    HOST: '127.0.0.1',
    PORT: 0,
    SHUTDOWN_DELAY_MS: 0,
    LOG_LEVEL: 'warn',
    // A busy test machine lags its event loop by seconds: shedding would fail tests that are
    // not about shedding (those set it themselves).
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: 0,
    ...overrides,
  };
}

/** A logger whose lines are kept in memory, so tests can assert what was logged. */
export function capturingLogger(service = 'test'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ service, version: '0.0.0-test', level: 'info', destination });
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A loopback TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createNetServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts connections on a loopback port (a server a test started). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** Runs an app's start-up tasks and marks it started, as startService does, without listening. */
export async function startForInject(app: ServiceInstance): Promise<ServiceInstance> {
  await app.ready();
  await app.lifecycle.start(app.log);
  app.health.markStarted();
  return app;
}

export interface StoreFixture<S> {
  store: S;
  /** Closes the store and removes what the test wrote. */
  cleanup(): Promise<void>;
}

/** Runs `test` with a freshly opened and started store, cleaning up whatever happens. */
export async function withStartedStore<S>(
  open: () => Promise<StoreFixture<S>>,
  test: (store: S) => Promise<void>,
  start: (store: S) => Promise<unknown> = (store) => (store as { start(): Promise<unknown> }).start(),
): Promise<void> {
  const fixture = await open();
  try {
    await start(fixture.store);
    await test(fixture.store);
  } finally {
    await fixture.cleanup();
  }
}
