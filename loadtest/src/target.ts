// Where the load goes, chosen by one variable: LOADTEST_TARGET=embedded (default: starts the
// whole system in a child process), or a base URL such as http://127.0.0.1:8080 (docker
// compose) or https://api.example.com (an ingress). For a URL, the bearer token is
// LOADTEST_TOKEN, or one signed here with JWT_SECRET (the gateway's HS256 secret).
import { fileURLToPath } from 'node:url';
import { devToken } from '@dronedelivery/gateway/dev-token';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';

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
  const group = new ProcessGroup();
  const script = fileURLToPath(new URL('./embedded-target.ts', import.meta.url));
  // Its output goes by, as the system's own would; it reports the gateway once ready.
  const system = group.node([script, owner], {
    name: 'the embedded system',
    inheritEnv: true,
    ipc: true,
    onLine: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    const ready = await system.message<{ url: string; token: string; adapters: Record<string, string> }>(120_000);
    return {
      url: ready.url,
      token: ready.token,
      description: `embedded system (${Object.entries(ready.adapters)
        .map(([name, adapter]) => `${name}: ${adapter}`)
        .join(', ')})`,
      stop: () => group.stopAll(),
    };
  } catch (error) {
    await group.stopAll();
    throw error;
  }
}

async function signedToken(environment: TargetEnvironment, owner: string): Promise<string> {
  if (environment.LOADTEST_TOKEN) return environment.LOADTEST_TOKEN;
  if (!environment.JWT_SECRET)
    throw new Error('set LOADTEST_TOKEN (a customer token for the owner) or JWT_SECRET (the gateway HS256 secret)');
  return devToken({
    secret: environment.JWT_SECRET,
    ownerId: owner,
    subject: `loadtest:${owner}`,
    ...(environment.JWT_ISSUER ? { issuer: environment.JWT_ISSUER } : {}),
    ...(environment.JWT_AUDIENCE ? { audience: environment.JWT_AUDIENCE } : {}),
  });
}

/**
 * The owner a bearer token acts for, as the gateway reads it: `owner_id` (development tokens),
 * else `oid` (Microsoft Entra ID with JWT_OWNER_CLAIM=oid). Not verified here: the gateway does.
 */
export function tokenOwner(token: string, claims: readonly string[] = ['owner_id', 'oid']): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const found = claims.map((claim) => decoded[claim]).find((value) => typeof value === 'string' && value.length > 0);
    return found as string | undefined;
  } catch {
    return undefined;
  }
}

export async function openTarget(environment: TargetEnvironment, owner: string): Promise<Target> {
  const target = environment.LOADTEST_TARGET ?? 'embedded';
  if (target === 'embedded') return startEmbedded(owner);
  const url = new URL(target);
  return { url: url.origin, token: await signedToken(environment, owner), description: url.origin, stop: async () => {} };
}
