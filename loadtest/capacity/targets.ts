// The services a capacity run can measure: how to start each (the one under test on its
// budgeted cores, its helpers on the others) and the request to load it with.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deliveryRoutes, gatewayRoutes, pathOf } from '@dronedelivery/contracts';
import type { Request } from 'autocannon';
import { SignJWT } from 'jose';
import { deliveryBody } from '../../services/delivery/test/fixtures.ts';
import { ORIGINAL_SAMPLE } from '../../services/ingestion/test/samples.ts';
import type { Processes, Started } from './processes.ts';

export const SERVICES = ['ingestion', 'gateway', 'delivery'] as const;
export type ServiceName = (typeof SERVICES)[number];

export function isService(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

export interface Target {
  service: ServiceName;
  /** What is measured, in a sentence for the report. */
  description: string;
  url: string;
  requests: Request[];
  headers: Record<string, string>;
  expected: (status: number) => boolean;
  /** The process under test (the one held to the CPU budget). */
  underTest: Started;
  /** Processes it needs, on the other cores. */
  helpers: Started[];
  /** Removes what the target left on disk (call after the processes have stopped). */
  cleanup(): void;
}

export interface Cores {
  service: number[];
  other: number[];
}

const entry = (path: string) => fileURLToPath(new URL(`../../${path}/src/main.ts`, import.meta.url));
const SECRET = 'capacity-measurement-secret-long-enough-for-hs256';

async function withRedis(processes: Processes, cores: Cores): Promise<{ redis: Started; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'capacity-redis-'));
  const redis = await processes.startRedis(cores.other, dir);
  return { redis, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function ingestion(
  processes: Processes,
  cores: Cores,
  under: 'test' | 'helper',
  extraEnv: Record<string, string> = {},
): Promise<{ started: Started; redis: Started; cleanup: () => void }> {
  const { redis, cleanup } = await withRedis(processes, cores);
  const started = await processes.startService('ingestion', entry('services/ingestion'), under === 'test' ? cores.service : cores.other, {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: `capacity-${Date.now()}`,
    ...extraEnv,
  });
  return { started, redis, cleanup };
}

const postSample: Request[] = [
  { method: 'POST', path: gatewayRoutes.requestDelivery.url, headers: { 'content-type': 'application/json' }, body: ORIGINAL_SAMPLE },
];
const accepted = (status: number) => status === 202;

/** Starts `service` and its helpers; `extraEnv` goes to the service under test only (e.g. UPSTREAM_CONNECTIONS=64). */
export async function startTarget(
  service: ServiceName,
  processes: Processes,
  cores: Cores,
  extraEnv: Record<string, string> = {},
): Promise<Target> {
  if (service === 'ingestion') {
    const { started, redis, cleanup } = await ingestion(processes, cores, 'test', extraEnv);
    return {
      service,
      description:
        'POST /api/deliveryrequests (the original sample) → 202, straight to ingestion; BullMQ on a private redis-server (AOF, appendfsync everysec) on the other cores',
      url: started.url,
      requests: postSample,
      headers: {},
      expected: accepted,
      underTest: started,
      helpers: [redis],
      cleanup,
    };
  }
  if (service === 'gateway') {
    const upstream = await ingestion(processes, cores, 'helper');
    const gateway = await processes.startService('gateway', entry('gateway'), cores.service, {
      JWT_SECRET: SECRET,
      INGESTION_URL: upstream.started.url,
      // Rate-limit counters in Redis, as the chart configures the gateway; a limit no run reaches.
      REDIS_URL: upstream.redis.url,
      RATE_LIMIT_MAX: '1000000000',
      ...extraEnv,
    });
    const token = await new SignJWT({ roles: ['customer'], owner_id: 'myowner' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('capacity')
      .setIssuer('https://dronedelivery.local/')
      .setAudience('api://dronedelivery')
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(SECRET));
    return {
      service,
      description:
        'POST /api/deliveryrequests (the original sample, HS256 bearer token of owner myowner) → 202 through the gateway (token check, Redis rate limit, forward over its upstream pool: UPSTREAM_CONNECTIONS, 32 by default) to ingestion; ingestion and its redis-server on the other cores',
      url: gateway.url,
      requests: postSample,
      headers: { authorization: `Bearer ${token}` },
      expected: accepted,
      underTest: gateway,
      helpers: [upstream.started, upstream.redis],
      cleanup: upstream.cleanup,
    };
  }
  const delivery = await processes.startService('delivery', entry('services/delivery'), cores.service, extraEnv);
  const seeded = await fetch(`${delivery.url}${pathOf(deliveryRoutes.get, { id: 'capacity-read' })}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(deliveryBody()),
  });
  if (!seeded.ok) throw new Error(`seeding the delivery failed: ${seeded.status} ${await seeded.text()}`);
  return {
    service,
    description: 'GET /api/deliveries/{id} of an existing delivery → 200, delivery service on its in-memory store',
    url: delivery.url,
    requests: [{ method: 'GET', path: pathOf(deliveryRoutes.get, { id: 'capacity-read' }) }],
    headers: {},
    expected: (status) => status === 200,
    underTest: delivery,
    helpers: [],
    cleanup: () => undefined,
  };
}
