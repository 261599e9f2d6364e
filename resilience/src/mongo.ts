// The MongoDB-protocol server for the package service: MONGODB_URL when CI (or you) started
// one, else a FerretDB of the suite's own from FERRETDB_BIN or .tools/bin/ferretdb.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '@dronedelivery/service-kit/testing';

export interface MongoServer {
  url: string;
  stop(): void;
}

export async function mongoServer(): Promise<MongoServer | undefined> {
  if (process.env.MONGODB_URL) return { url: process.env.MONGODB_URL, stop: () => {} };
  const binary = process.env.FERRETDB_BIN ?? fileURLToPath(new URL('../../.tools/bin/ferretdb', import.meta.url));
  if (!existsSync(binary)) return undefined;
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-dir', `${mkdtempSync(join(tmpdir(), 'ferretdb-'))}/`], {
    stdio: 'ignore',
  });
  await waitForPort(port, 20_000);
  return { url: `mongodb://127.0.0.1:${port}/`, stop: () => child.kill('SIGKILL') };
}
