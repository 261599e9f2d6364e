// A redis-server of a test's own (Debian's), to stop and start under a service.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { waitForPort } from '@dronedelivery/service-kit/testing';

export function redisServerInstalled(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class RedisServerProcess {
  readonly port: number;
  /** With a directory, data is kept in an append-only file across restarts. */
  private readonly dir: string | undefined;
  private child: ChildProcess | undefined;

  private readonly appendfsync: 'always' | 'everysec';

  /** `appendfsync`: `always` for tests that must lose nothing, `everysec` as production runs it. */
  constructor(port: number, dir?: string, appendfsync: 'always' | 'everysec' = 'always') {
    this.port = port;
    this.dir = dir;
    this.appendfsync = appendfsync;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence = this.dir ? ['--dir', this.dir, '--appendonly', 'yes', '--appendfsync', this.appendfsync] : ['--appendonly', 'no'];
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'noeviction', ...persistence],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(this.port);
  }

  /** Kills the server abruptly, as a crash or a lost node would. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}
