// The README's second-owner walkthrough, as a newcomer runs it: `npm start`'s banner says how
// to make a token for another owner, `npm run token -- --owner … --role customer` makes it
// with only Node.js and npm (no pnpm on the PATH), the gateway accepts it, and that owner
// gets 404 for the first owner's delivery.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ORIGINAL_SAMPLE_JSON } from '@dronedelivery/fleet/samples';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRun } from '../../packages/service-kit/src/testing.ts';
import { root } from './markdown.ts';

const run = promisify(execFile);

const executable = (directory: string, name: string) => {
  try {
    accessSync(join(directory, name), constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The PATH of a machine with Node.js and npm but no pnpm: this Node first, every directory holding a pnpm left out. */
const pathEntries = [dirname(process.execPath), ...(process.env.PATH ?? '').split(delimiter)].filter(
  (directory) => directory && !executable(directory, 'pnpm'),
);
const npmDirectory = pathEntries.find((directory) => executable(directory, 'npm'));
/** The environment without what pnpm (running this test) exported for its scripts. */
const cleanEnvironment = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_|PNPM_)/i.test(name) && name !== 'PATH'),
) as Record<string, string>;

async function npmRunToken(args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await run(npmDirectory ? join(npmDirectory, 'npm') : 'npm', ['run', 'token', '--', ...args], {
    cwd: root,
    env: { ...cleanEnvironment, ...env, PATH: pathEntries.join(delimiter) },
    timeout: 60_000,
  });
  // npm prints its "> token" banner first; the token is the last line.
  return stdout.trim().split('\n').at(-1) ?? '';
}

function claims(token: string): Record<string, unknown> {
  const [, payload = ''] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('the root token script', () => {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.token ?? '';

  it('runs with plain node, not pnpm', () => {
    expect(script).toMatch(/^node /);
    expect(script).not.toMatch(/\bpnpm\b/);
  });
});

describe.skipIf(!npmDirectory)('npm start, then a token for another owner with npm run token', () => {
  let system: ChildProcess;
  let output = '';
  let gateway: string;

  beforeAll(async () => {
    const port = await freePortRun(6);
    gateway = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = { ...cleanEnvironment, PATH: pathEntries.join(delimiter), PORT: String(port), LOG_LEVEL: 'warn' };
    for (const name of ['JWT_SECRET', 'REDIS_URL', 'MONGODB_URL', 'COSMOS_ENDPOINT', 'COSMOS_KEY']) delete env[name];
    system = spawn(process.execPath, ['src/main.ts'], { cwd: join(root, 'embedded'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    system.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    system.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 45_000;
    while (!output.includes('Ctrl-C stops everything')) {
      if (system.exitCode !== null || Date.now() > deadline) throw new Error(`the system did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  afterAll(async () => {
    if (system && system.exitCode === null && system.signalCode === null) {
      const exited = once(system, 'exit');
      system.kill('SIGTERM');
      await exited;
    }
  }, 30_000);

  it('the banner says how, and the token it makes is another owner’s: 404 for the first owner’s delivery', async () => {
    const line = /A token for another owner:\s+npm run token -- --owner <owner> --role customer/.exec(output);
    expect(line, output).not.toBeNull();
    // The generated secret is not printed anywhere in what the system wrote.
    expect(output).not.toMatch(/JWT_SECRET=/);
    const ownToken = /export TOKEN=(\S+)/.exec(output)?.[1] ?? '';

    const asked = await fetch(`${gateway}/api/deliveryrequests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownToken}`, 'content-type': 'application/json' },
      body: ORIGINAL_SAMPLE_JSON,
    });
    expect(asked.status).toBe(202);
    const location = asked.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/deliveries\/.+/);

    const other = await npmRunToken(['--owner', 'other-owner', '--role', 'customer'], {});
    expect(claims(other)).toMatchObject({ owner_id: 'other-owner', roles: ['customer'] });
    const mine = await npmRunToken(['--owner', 'myowner', '--role', 'customer'], {});

    const read = (token: string) => fetch(`${gateway}${location}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await read(mine)).status, 'the CLI token of the owner is accepted').toBe(200);
    const refused = await read(other);
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }, 120_000);
});
