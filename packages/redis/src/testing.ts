// A redis-server of a test's own (Debian's), to stop and start under a service: a process of
// the kit's ProcessGroup, so it is killed with the rest of a run, whatever happens.
import { execFileSync } from 'node:child_process';
import { ProcessGroup, type RunningProcess, waitForPort } from '@dronedelivery/service-kit/testing';

export function redisServerInstalled(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RedisServerOptions {
  /** The group that tracks it (default: one of its own). */
  group?: ProcessGroup;
  /** Pinned to these CPUs. */
  cores?: number[];
}

export class RedisServerProcess {
  readonly port: number;
  /** With a directory, data is kept in an append-only file across restarts. */
  private readonly dir: string | undefined;
  private readonly appendfsync: 'always' | 'everysec';
  private readonly group: ProcessGroup;
  private readonly cores: number[] | undefined;
  private server: RunningProcess | undefined;

  /** `appendfsync`: `always` for tests that must lose nothing, `everysec` as production runs it. */
  constructor(port: number, dir?: string, appendfsync: 'always' | 'everysec' = 'always', options: RedisServerOptions = {}) {
    this.port = port;
    this.dir = dir;
    this.appendfsync = appendfsync;
    this.group = options.group ?? new ProcessGroup();
    this.cores = options.cores;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Its pid while it runs. */
  get pid(): number | undefined {
    return this.server?.running ? this.server.pid : undefined;
  }

  async start(): Promise<void> {
    const persistence = this.dir ? ['--dir', this.dir, '--appendonly', 'yes', '--appendfsync', this.appendfsync] : ['--appendonly', 'no'];
    this.server = this.group.spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'noeviction', ...persistence],
      { name: 'redis-server', ...(this.cores ? { cores: this.cores } : {}) },
    );
    await waitForPort(this.port);
  }

  /** Kills the server abruptly, as a crash or a lost node would. */
  async kill(): Promise<void> {
    await this.server?.kill('SIGKILL');
  }
}
