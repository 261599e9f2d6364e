// The services a capacity run can measure: how to start each (the one under test on its
// budgeted cores, its helpers on the others) and the request to load it with. Every unit runs
// with production defaults (the bench's production.ts): telemetry on, info logs to a file.
import { deliveryRoutes, gatewayRoutes, pathOf } from '@dronedelivery/contracts';
import { startProcessFleet, startRedis } from '@dronedelivery/fleet';
import { ORIGINAL_SAMPLE, ORIGINAL_SAMPLE_JSON, sampleDelivery } from '@dronedelivery/fleet/samples';
import { devToken } from '@dronedelivery/gateway/dev-token';
import type { ProcessGroup } from '@dronedelivery/service-kit/testing';
import type { Request } from 'autocannon';
import type { RunAs } from '../bench/production.ts';

export const SERVICES = ['ingestion', 'gateway', 'delivery'] as const;
export type ServiceName = (typeof SERVICES)[number];

export function isService(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

/** A process a target started. */
export interface Started {
  name: string;
  pid: number;
  url: string;
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
}

export interface Cores {
  service: number[];
  other: number[];
}

const SECRET = 'capacity-measurement-secret-long-enough-for-hs256';

/** Ingestion and the redis-server under its queue, on the helpers' cores unless ingestion is under test. */
async function ingestion(group: ProcessGroup, runAs: RunAs, cores: Cores, under: 'test' | 'helper', extraEnv: Record<string, string> = {}) {
  const redis = await startRedis(group, { cores: cores.other });
  const fleet = await startProcessFleet(group, {
    units: ['ingestion'],
    env: { ...runAs.env, REDIS_URL: redis.url, QUEUE_PREFIX: `capacity-${Date.now()}`, ...extraEnv },
    optionsFor: { ingestion: { ...asRun(runAs, 'ingestion'), cores: under === 'test' ? cores.service : cores.other } },
  });
  return { started: fleet.processes.ingestion, redis: { name: 'redis-server', pid: redis.pid as number, url: redis.url } };
}

/** A unit as its image runs it (compiled, the image's command), its log in a file. */
const asRun = (runAs: RunAs, name: ServiceName) => runAs.unit(name);

/**
 * A helper is not what is measured: it runs lean (no telemetry, warnings only), so that the
 * one core it shares with the load generator and Redis is not what saturates first.
 */
const asHelper = (runAs: RunAs): RunAs => ({ ...runAs, env: { ...runAs.env, OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn' } });

const postSample: Request[] = [
  { method: 'POST', path: gatewayRoutes.requestDelivery.url, headers: { 'content-type': 'application/json' }, body: ORIGINAL_SAMPLE_JSON },
];
const accepted = (status: number) => status === 202;

/** Starts `service` and its helpers in the group; `extraEnv` goes to the service under test only (e.g. UPSTREAM_CONNECTIONS=64). */
export async function startTarget(
  service: ServiceName,
  group: ProcessGroup,
  runAs: RunAs,
  cores: Cores,
  extraEnv: Record<string, string> = {},
): Promise<Target> {
  if (service === 'ingestion') {
    const { started, redis } = await ingestion(group, runAs, cores, 'test', extraEnv);
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
    };
  }
  if (service === 'gateway') {
    const upstream = await ingestion(group, asHelper(runAs), cores, 'helper');
    const { processes } = await startProcessFleet(group, {
      units: ['gateway'],
      env: {
        ...runAs.env,
        JWT_SECRET: SECRET,
        INGESTION_URL: upstream.started.url,
        // Rate-limit counters in Redis, as the chart configures the gateway; a limit no run reaches.
        REDIS_URL: upstream.redis.url,
        RATE_LIMIT_MAX: '1000000000',
        ...extraEnv,
      },
      optionsFor: { gateway: { ...asRun(runAs, 'gateway'), cores: cores.service } },
    });
    const token = await devToken({ secret: SECRET, ownerId: ORIGINAL_SAMPLE.ownerId, subject: 'capacity', expiresIn: '2h' });
    return {
      service,
      description:
        'POST /api/deliveryrequests (the original sample, HS256 bearer token of owner myowner) → 202 through the gateway (token check, Redis rate limit, forward over its upstream pool: UPSTREAM_CONNECTIONS, 32 by default) to ingestion; ingestion (lean: no telemetry, warnings only, as a helper that is not measured) and its redis-server on the other cores',
      url: processes.gateway.url,
      requests: postSample,
      headers: { authorization: `Bearer ${token}` },
      expected: accepted,
      underTest: processes.gateway,
      helpers: [upstream.started, upstream.redis],
    };
  }
  const { processes } = await startProcessFleet(group, {
    units: ['delivery'],
    env: { ...runAs.env, ...extraEnv },
    optionsFor: { delivery: { ...asRun(runAs, 'delivery'), cores: cores.service } },
  });
  const read = pathOf(deliveryRoutes.get, { id: 'capacity-read' });
  const seeded = await fetch(`${processes.delivery.url}${pathOf(deliveryRoutes.schedule, { id: 'capacity-read' })}`, {
    method: deliveryRoutes.schedule.method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sampleDelivery()),
  });
  if (!seeded.ok) throw new Error(`seeding the delivery failed: ${seeded.status} ${await seeded.text()}`);
  return {
    service,
    description: 'GET /api/deliveries/{id} of an existing delivery → 200, delivery service on its in-memory store',
    url: processes.delivery.url,
    requests: [{ method: 'GET', path: read }],
    headers: {},
    expected: (status) => status === 200,
    underTest: processes.delivery,
    helpers: [],
  };
}
