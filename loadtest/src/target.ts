// Where the load goes, chosen by one variable: LOADTEST_TARGET=embedded (default: starts the
// whole system in a child process), or a base URL such as http://127.0.0.1:8080 (docker
// compose) or https://api.example.com (an ingress). For a URL, the bearer token is
// LOADTEST_TOKEN, or one signed here with JWT_SECRET (the gateway's HS256 secret).
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';

export interface Target {
  url: string;
  token: string;
  description: string;
  stop(): Promise<void>;
}

interface TargetEnvironment {
  LOADTEST_TARGET?: string;
  LOADTEST_TOKEN?: string;
  JWT_SECRET?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
}

async function startEmbedded(owner: string): Promise<Target> {
  const script = fileURLToPath(new URL('./embedded-target.ts', import.meta.url));
  const child: ChildProcess = fork(script, [owner], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ url: string; token: string; adapters: Record<string, string> }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { url: string; token: string; adapters: Record<string, string> }));
    child.once('exit', (code) => reject(new Error(`the embedded system exited with ${code} before it was ready`)));
  });
  return {
    url: ready.url,
    token: ready.token,
    description: `embedded system (${Object.entries(ready.adapters)
      .map(([name, adapter]) => `${name}: ${adapter}`)
      .join(', ')})`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function signedToken(environment: TargetEnvironment, owner: string): Promise<string> {
  if (environment.LOADTEST_TOKEN) return environment.LOADTEST_TOKEN;
  if (!environment.JWT_SECRET)
    throw new Error('set LOADTEST_TOKEN (a customer token for the owner) or JWT_SECRET (the gateway HS256 secret)');
  return new SignJWT({ owner_id: owner, roles: ['customer'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`loadtest:${owner}`)
    .setIssuer(environment.JWT_ISSUER ?? 'https://dronedelivery.local/')
    .setAudience(environment.JWT_AUDIENCE ?? 'api://dronedelivery')
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(new TextEncoder().encode(environment.JWT_SECRET));
}

export async function openTarget(environment: TargetEnvironment, owner: string): Promise<Target> {
  const target = environment.LOADTEST_TARGET ?? 'embedded';
  if (target === 'embedded') return startEmbedded(owner);
  const url = new URL(target);
  return { url: url.origin, token: await signedToken(environment, owner), description: url.origin, stop: async () => {} };
}
