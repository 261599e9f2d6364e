// What the bench drives, each started as its own process(es) on loopback and ready: the bare
// node:http ceiling, the service kit's hello route, ingestion (BullMQ on a private Redis),
// the gateway in front of ingestion, and the whole delivery pipeline.
import { fileURLToPath } from 'node:url';
import { gatewayRoutes } from '@dronedelivery/contracts';
import { startProcessFleet, startRedis as startRedisServer, UNIT_NAMES } from '@dronedelivery/fleet';
import { droneFleet, ORIGINAL_SAMPLE, ORIGINAL_SAMPLE_JSON } from '@dronedelivery/fleet/samples';
import { devToken } from '@dronedelivery/gateway/dev-token';
import type { ProcessGroup, RunningProcess } from '@dronedelivery/service-kit/testing';
import type { Request } from 'autocannon';

const inRepo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A request path under load: where to send what, and the processes that serve it. */
export interface Target {
  url: string;
  requests: Request[];
  headers?: Record<string, string>;
  /** Every process started for it, the one the load generator talks to first. */
  processes: RunningProcess[];
}

const GET_HELLO: Request[] = [{ method: 'GET', path: '/hello' }];
/** The original application's sample, each POST a new delivery request. */
const POST_DELIVERY_REQUEST: Request[] = [
  { method: 'POST', path: gatewayRoutes.requestDelivery.url, headers: { 'content-type': 'application/json' }, body: ORIGINAL_SAMPLE_JSON },
];
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256';

/** A hello server that reports its port over IPC (bare node:http, or the kit's). */
async function startHello(group: ProcessGroup, name: string, script: string, args: string[] = []): Promise<Target> {
  const hello = group.node([inRepo(script), ...args], { name, ipc: true });
  return { url: `http://127.0.0.1:${await hello.message<number>()}`, requests: GET_HELLO, processes: [hello] };
}

export const startBareHello = (group: ProcessGroup) => startHello(group, 'bare node:http hello', 'loadtest/bench/bare-hello.ts');
export const startKitHello = (group: ProcessGroup) =>
  startHello(group, 'service-kit hello', 'packages/service-kit/bench/hello-server.ts', ['kit']);

/** A private redis-server with AOF (appendfsync everysec), as production runs it; its URL. Stopped and removed by the group. */
export async function startRedis(group: ProcessGroup): Promise<string> {
  return (await startRedisServer(group)).url;
}

/** A queue of its own on the Redis (which a run may share with earlier ones). */
const queue = (redisUrl: string, prefix = 'bench') => ({ REDIS_URL: redisUrl, QUEUE_PREFIX: prefix });

export async function startIngestion(group: ProcessGroup, redisUrl: string): Promise<Target> {
  const fleet = await startProcessFleet(group, { units: ['ingestion'], env: queue(redisUrl) });
  return { url: fleet.urls.ingestion, requests: POST_DELIVERY_REQUEST, processes: [fleet.processes.ingestion] };
}

/** A customer token for the sample's owner (the gateway lets a customer token act for this owner only). */
export const customerToken = (secret = JWT_SECRET) => devToken({ secret, ownerId: ORIGINAL_SAMPLE.ownerId, expiresIn: '1h' });

/**
 * The gateway in front of a fresh ingestion. The per-caller rate limit is lifted (the load is
 * one caller); `nodeArgs` e.g. --cpu-prof apply to the gateway only, which then gets 30 s to
 * write its profile when stopped.
 */
export async function startGatewayToIngestion(group: ProcessGroup, redisUrl: string, nodeArgs: string[] = []): Promise<Target> {
  const fleet = await startProcessFleet(group, {
    units: ['ingestion', 'gateway'],
    envFor: { ingestion: queue(redisUrl), gateway: { JWT_SECRET, RATE_LIMIT_MAX: '1000000000' } },
    optionsFor: { gateway: { nodeArgs, graceMs: 30_000 } },
  });
  return {
    url: fleet.urls.gateway,
    requests: POST_DELIVERY_REQUEST,
    headers: { authorization: `Bearer ${await customerToken()}` },
    processes: [fleet.processes.gateway, fleet.processes.ingestion],
  };
}

/** A fleet big enough for pickups 20 s apart, as the end-to-end case sends them. */
export const BENCH_FLEET = droneFleet('bench');

export interface Pipeline {
  ingestionUrl: string;
  workflowUrl: string;
  processes: RunningProcess[];
}

/**
 * Every unit behind the gateway, each its own process: ingestion → BullMQ on Redis → workflow →
 * the backends it calls, with their in-memory stores (no REDIS_URL).
 */
export async function startPipeline(group: ProcessGroup, redisUrl: string, workflowConcurrency: number): Promise<Pipeline> {
  const onItsOwn = queue(redisUrl, `bench-${Date.now()}`);
  const fleet = await startProcessFleet(group, {
    units: UNIT_NAMES.filter((name) => name !== 'gateway'),
    env: { FLEET_JSON: JSON.stringify(BENCH_FLEET), WORKFLOW_CONCURRENCY: String(workflowConcurrency) },
    envFor: { ingestion: onItsOwn, workflow: onItsOwn },
  });
  return {
    ingestionUrl: fleet.urls.ingestion,
    workflowUrl: fleet.urls.workflow,
    processes: Object.values(fleet.processes),
  };
}
