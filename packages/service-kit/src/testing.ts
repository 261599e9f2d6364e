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

export interface ServiceProcess {
  child: ChildProcess;
  /** Every JSON log line the service has written so far. */
  lines: Record<string, unknown>[];
  /** The base URL, once the service listens; rejects if it exits first. */
  url: Promise<string>;
  /** The exit code, once the process has exited and all its output has been read. */
  exited: Promise<number | null>;
}

/** Runs `node <args>` on a random loopback port, collecting its log lines. */
export function spawnService(args: string[], env: Record<string, string> = {}): ServiceProcess {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  // 'close', not 'exit': by then every line the child wrote has been read.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const url = new Promise<string>((resolve, reject) => {
    exited.then((code) => reject(new Error(`service exited with ${code} before listening`)));
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const text of complete.filter(Boolean)) {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(line.msg));
        if (listening?.[1]) resolve(listening[1]);
      }
    });
  });
  url.catch(() => {});
  return { child, lines, url, exited };
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

/**
 * Starts a service entry point (`src/main.ts`) as its own process on a free loopback port
 * and resolves once it reports ready: for benchmarks, which measure services as they run.
 */
export async function startServiceProcess(
  entry: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<{ url: string; child: ChildProcess; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', SHUTDOWN_DELAY_MS: '0', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/healthz/ready`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${entry} did not become ready`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, child, stop: () => child.kill('SIGTERM') };
}
