// Starts and stops a FerretDB process of our own, for tests that take the database away.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForPort } from '@dronedelivery/service-kit/testing';

export const ferretdbBinary = process.env.FERRETDB_BIN ?? fileURLToPath(new URL('../../../.tools/bin/ferretdb', import.meta.url));

export const haveFerretdb = existsSync(ferretdbBinary);

/** A FerretDB server on a fixed port and data directory that can be stopped and started again. */
export class FerretdbProcess {
  readonly port: number;
  private readonly dir = mkdtempSync(join(tmpdir(), 'ferretdb-'));
  private child: ChildProcess | undefined;

  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  async start(): Promise<void> {
    this.child = spawn(ferretdbBinary, ['-listen', `127.0.0.1:${this.port}`, '-dir', `${this.dir}/`], { stdio: 'ignore' });
    await waitForPort(this.port);
  }

  /** Kills the server abruptly, as a crash or a network partition would look to clients. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
