// A container registry on loopback for the local pipeline (`crane registry serve`, from
// go-containerregistry): images are pushed to it and signed there, as they would be in ACR.
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, waitForPort } from '@dronedelivery/service-kit/testing';
import { tool } from './commands.ts';

export interface LocalRegistry {
  host: string;
  stop(): void;
}

export async function startRegistry(): Promise<LocalRegistry> {
  const port = await freePort();
  const child: ChildProcess = spawn(tool('crane'), ['registry', 'serve', '--address', `127.0.0.1:${port}`], { stdio: 'ignore' });
  await waitForPort(port, 10_000);
  return { host: `127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}
