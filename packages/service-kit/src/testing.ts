// Helpers for tests of services built on the kit: a quiet configuration, a logger that
// keeps its lines, and the one process manager of the tooling: services (and the servers
// they need) run as child processes exactly as in production, pinned to CPUs if asked, their
// output kept, and always reaped, on a failed start as at exit.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer as createNetServer } from 'node:net';
import { Writable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';
import { onExit } from 'signal-exit';
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

/**
 * A run of `count` consecutive loopback ports that are free now (a system whose units take
 * PORT, PORT+1, …). Picked below the ephemeral range (32768 up), where the ports other tests
 * listen on with port 0 come from.
 */
export async function freePortRun(count: number): Promise<number> {
  for (;;) {
    const first = 20_000 + Math.floor(Math.random() * 12_000);
    const servers = [];
    try {
      for (let port = first; port < first + count; port++) {
        const server = createNetServer().listen(port, '127.0.0.1');
        servers.push(server);
        await once(server, 'listening');
      }
      return first;
    } catch {
      // taken: try another run
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  }
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

// ---------------------------------------------------------------------------------------
// Processes. execa spawns them (and sends SIGKILL when a SIGTERM is not obeyed in time); a
// ProcessGroup keeps track of what a test or a tool started, so that one stopAll() or
// killNow() ends it all, and signal-exit (execa's own choice) SIGKILLs whatever is still
// running when this process exits or dies of a signal.

/** How a process ended: its exit code, or the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: string | null;
}

export interface ProcessOptions {
  /** What it is, as messages and reports name it: "gateway", "redis-server"... */
  name?: string;
  /** Added to an environment of PATH only (so a REDIS_URL or OTEL_* of the caller's shell never leaks in)... */
  env?: Record<string, string | undefined>;
  /** ...or to this process's whole environment. */
  inheritEnv?: boolean;
  cwd?: string;
  /** Pinned to these CPUs from its first instruction (taskset -c; taskset execs, so the pid is the process's own). */
  cores?: number[];
  /** Appends stdout and stderr to this file; otherwise the last lines are kept in memory (recentOutput). */
  logFile?: string;
  /** Each line of output as it comes (not with logFile). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** An IPC channel (node processes): see RunningProcess.message(). */
  ipc?: boolean;
  /** Its signals go to every process it starts too (its own process group), as Ctrl-C would: for launchers such as npm. */
  tree?: boolean;
  /** How long stop() waits after SIGTERM before SIGKILL; false: never SIGKILL. Default 5 s. */
  graceMs?: number | false;
}

const KEPT_LINES = 30;

/** A child process of a ProcessGroup. */
export class RunningProcess {
  readonly name: string;
  /** execa's handle: its kill() sends SIGKILL when a SIGTERM is not obeyed within the grace period. */
  readonly subprocess: ResultPromise;
  /** Node's: pid, exitCode, IPC events. */
  readonly child: ChildProcess;
  /** Resolves once it has exited and its output has been read; never rejects. */
  readonly exited: Promise<Exit>;
  private readonly lines: string[] = [];
  private readonly waiters = new Set<(line: string) => void>();
  private ended = false;

  constructor(name: string, subprocess: ResultPromise, options: ProcessOptions) {
    this.name = name;
    this.subprocess = subprocess;
    this.child = subprocess.nodeChildProcess;
    this.exited = subprocess.then(
      (result) => ({ code: result.exitCode ?? null, signal: result.signal ?? null }),
      () => ({ code: null, signal: null }),
    );
    void this.exited.then(() => {
      this.ended = true;
    });
    if (options.logFile) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      subprocess[stream]?.on('data', (chunk: Buffer) => {
        const complete = (partial + chunk.toString()).split('\n');
        partial = complete.pop() ?? '';
        for (const line of complete.filter(Boolean)) {
          this.lines.push(line);
          options.onLine?.(line, stream);
          for (const waiter of this.waiters) waiter(line);
        }
        this.lines.splice(0, Math.max(0, this.lines.length - KEPT_LINES));
      });
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Until it has exited. */
  get running(): boolean {
    return !this.ended && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it wrote (stdout and stderr), to explain a failure. */
  recentOutput(): string {
    return this.lines.join('\n');
  }

  /** SIGTERM (a graceful exit), SIGKILL after its grace period; resolves once it has exited. */
  stop(): Promise<Exit> {
    return this.kill('SIGTERM');
  }

  /** Sends `signal` (SIGKILL, the default: a crash; SIGTERM: as stop()) and resolves once it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.running) this.subprocess.kill(signal);
    return this.exited;
  }

  /** The first line of output (among the last kept, or to come) that matches. */
  line(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const kept = this.lines.map((line) => pattern.exec(line)).find(Boolean);
    if (kept) return Promise.resolve(kept);
    const { promise, resolve } = Promise.withResolvers<RegExpExecArray>();
    const waiter = (line: string) => {
      const match = pattern.exec(line);
      if (match) resolve(match);
    };
    this.waiters.add(waiter);
    return this.before(promise, `writing a line matching ${pattern}`, timeoutMs).finally(() => this.waiters.delete(waiter));
  }

  /** The next message it sends over IPC. */
  message<T>(timeoutMs = 30_000): Promise<T> {
    return this.before(
      once(this.child, 'message').then(([value]) => value as T),
      'sending a message',
      timeoutMs,
    );
  }

  /** What `waited` resolves with, unless the process exits first or `timeoutMs` passes: an error with its last output. */
  private async before<T>(waited: Promise<T>, what: string, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, 'timeout');
    });
    try {
      const first = await Promise.race([waited.then((value) => ({ value })), this.exited, timeout]);
      if (first === 'timeout') throw new Error(`${this.name}: still not ${what} after ${timeoutMs} ms${this.outputNote()}`);
      if ('value' in first) return first.value;
      throw this.exitedBefore(what);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The error for a process that exited before doing what it was waited for. */
  exitedBefore(what: string): Error {
    const exit = this.child.exitCode ?? this.child.signalCode;
    return new Error(`${this.name} exited (${exit}) before ${what}${this.outputNote()}`);
  }

  outputNote(): string {
    const output = this.recentOutput();
    return output ? `:\n${output}` : '';
  }
}

export interface ServiceOptions extends ProcessOptions {
  /** The port to listen on (default: a free one). */
  port?: number;
  /** Node's own arguments before the entry, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Arguments after the entry. */
  args?: string[];
  /** Ready when this says so (default: GET /healthz/ready answers 2xx). */
  ready?: (url: string) => boolean | Promise<boolean>;
  readyTimeoutMs?: number;
}

/** A service process that answered ready. */
export interface StartedService extends RunningProcess {
  url: string;
  port: number;
}

/** Whether GET <url>/healthz/ready answers 2xx now. */
async function answersReady(url: string): Promise<boolean> {
  return fetch(`${url}/healthz/ready`).then(
    async (response) => {
      await response.body?.cancel();
      return response.ok;
    },
    () => false,
  );
}

/**
 * Resolves once `ready(url)` says so (default: GET /healthz/ready answers 2xx), polling every
 * `intervalMs`; fails at once if `process` exits meanwhile, and after `timeoutMs`, with its last output.
 */
export async function waitForReady(
  url: string,
  options: { process?: RunningProcess; ready?: (url: string) => boolean | Promise<boolean>; timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const ready = options.ready ?? answersReady;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const name = options.process?.name ?? 'the service';
  while (!(await ready(url))) {
    if (options.process && !options.process.running) throw options.process.exitedBefore('becoming ready');
    if (Date.now() > deadline)
      throw new Error(`${name} at ${url} was not ready within ${timeoutMs} ms${options.process?.outputNote() ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/** Every group still holding processes, for the exit hook. */
const liveGroups = new Set<ProcessGroup>();
let exitHooked = false;

/**
 * The processes (and clean-ups) one test, tool or run started. stopAll() in a finally; when
 * this process exits (normally, by an uncaught error or by a signal) everything still running
 * gets SIGKILL, so nothing outlives the run.
 */
export class ProcessGroup {
  private readonly processes = new Set<RunningProcess>();
  private readonly cleanups: (() => unknown)[] = [];

  /** Runs `command args` and tracks it. */
  spawn(command: string, args: string[], options: ProcessOptions = {}): RunningProcess {
    const name = options.name ?? command;
    const [file, fileArgs] = options.cores?.length ? ['taskset', ['-c', options.cores.join(','), command, ...args]] : [command, args];
    const output = options.logFile ? { file: options.logFile, append: true } : 'pipe';
    const child = execa(file, fileArgs, {
      env: options.inheritEnv ? options.env : { PATH: process.env.PATH, ...options.env },
      extendEnv: options.inheritEnv ?? false,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdin: 'ignore',
      stdout: output,
      stderr: output,
      buffer: false,
      reject: false,
      ipc: options.ipc ?? false,
      serialization: 'json',
      forceKillAfterDelay: options.graceMs ?? 5_000,
      killDescendants: options.tree ?? false,
      // The exit hook below SIGKILLs instead (execa's clean-up would only SIGTERM).
      cleanup: false,
    });
    const running = new RunningProcess(name, child, options);
    if (running.child.pid === undefined) {
      void running.exited;
      throw new Error(`${name} could not be started (${file} not found?)`);
    }
    this.processes.add(running);
    void running.exited.then(() => this.processes.delete(running));
    this.track();
    return running;
  }

  /** Runs `node <args>` (this Node) and tracks it. */
  node(args: string[], options: ProcessOptions = {}): RunningProcess {
    return this.spawn(process.execPath, args, options);
  }

  /**
   * A service entry point (`src/main.ts`) on a loopback port, resolved once ready. HOST,
   * LOG_LEVEL=warn and SHUTDOWN_DELAY_MS=0 unless `env` says otherwise. If it exits first or
   * is not ready in time (30 s by default), it is killed and the error carries its last output.
   */
  async service(entry: string, options: ServiceOptions = {}): Promise<StartedService> {
    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const started = this.node([...(options.nodeArgs ?? []), entry, ...(options.args ?? [])], {
      ...options,
      name: options.name ?? entry,
      env: { HOST: '127.0.0.1', LOG_LEVEL: 'warn', SHUTDOWN_DELAY_MS: '0', ...options.env, PORT: String(port) },
    });
    try {
      await waitForReady(url, {
        process: started,
        ...(options.ready ? { ready: options.ready } : {}),
        timeoutMs: options.readyTimeoutMs ?? 30_000,
      });
    } catch (error) {
      await started.kill();
      throw error;
    }
    return Object.assign(started, { url, port });
  }

  /** Something to undo at the end (a temporary directory...), last registered first. */
  defer(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
    this.track();
  }

  /** Every process still running, in the order started. */
  get running(): RunningProcess[] {
    return [...this.processes].filter((started) => started.running);
  }

  /** Stops every process still running (SIGTERM, then SIGKILL after its grace), then runs the clean-ups. Never throws. */
  async stopAll(): Promise<void> {
    await Promise.all(this.running.map((started) => started.stop()));
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the rest must still run.
      }
    }
    liveGroups.delete(this);
  }

  /** Synchronous last resort (a signal, an exit): SIGKILL to everything, every clean-up started. */
  killNow(): void {
    for (const started of this.running) started.subprocess.kill('SIGKILL');
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        void Promise.resolve(cleanup()).catch(() => {});
      } catch {
        // Keep going.
      }
    }
  }

  private track(): void {
    liveGroups.add(this);
    if (exitHooked) return;
    exitHooked = true;
    onExit(() => {
      for (const group of liveGroups) group.killNow();
    });
  }
}

/** The group of the module's one-off helpers (spawnService): reaped at exit like any other. */
const oneOffs = new ProcessGroup();

export interface ServiceProcess {
  child: ChildProcess;
  /** Every JSON log line the service has written so far. */
  lines: Record<string, unknown>[];
  /** The base URL, once the service listens; rejects if it exits first. */
  url: Promise<string>;
  /** The exit code, once the process has exited and all its output has been read. */
  exited: Promise<number | null>;
}

/** Runs `node <args>` on a random loopback port (PORT=0), collecting its JSON log lines. */
export function spawnService(args: string[], env: Record<string, string> = {}): ServiceProcess {
  const lines: Record<string, unknown>[] = [];
  const { promise: url, resolve, reject } = Promise.withResolvers<string>();
  const started = oneOffs.node(args, {
    name: args.at(-1) ?? 'service',
    env: { HOST: '127.0.0.1', PORT: '0', ...env },
    // The test decides when to kill it, and with what.
    graceMs: false,
    onLine: (text, stream) => {
      if (stream !== 'stdout') return;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return; // not a log line
      }
      lines.push(line);
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(line.msg));
      if (listening?.[1]) resolve(listening[1]);
    },
  });
  const exited = started.exited.then((exit) => exit.code);
  void exited.then((code) => reject(new Error(`service exited with ${code} before listening${started.outputNote()}`)));
  url.catch(() => {});
  return { child: started.child, lines, url, exited };
}
