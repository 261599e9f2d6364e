// What the bench drives, each started as its own process(es) on loopback and ready: the bare
// node:http ceiling, the service kit's hello route, ingestion (BullMQ on a private Redis),
// the gateway in front of ingestion, and the whole delivery pipeline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayRoutes } from '@dronedelivery/contracts';
import { RedisServerProcess } from '@dronedelivery/redis/testing';
import { freePort } from '@dronedelivery/service-kit/testing';
import type { Request } from 'autocannon';
import { SignJWT } from 'jose';
import { ORIGINAL_SAMPLE } from '../../services/ingestion/test/samples.ts';
import { type NodeProcess, type ProcessGroup, ready, reportedPort } from './processes.ts';

const inRepo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A request path under load: where to send what, and the processes that serve it. */
export interface Target {
  url: string;
  requests: Request[];
  headers?: Record<string, string>;
  /** Every process started for it, the one the load generator talks to first. */
  processes: NodeProcess[];
}

const GET_HELLO: Request[] = [{ method: 'GET', path: '/hello' }];
/** The original application's sample, each POST a new delivery request. */
const POST_DELIVERY_REQUEST: Request[] = [
  { method: 'POST', path: gatewayRoutes.requestDelivery.url, headers: { 'content-type': 'application/json' }, body: ORIGINAL_SAMPLE },
];
/** The sample's owner: the gateway lets a customer token act for this owner only. */
const SAMPLE_OWNER = 'myowner';
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256';

export async function startBareHello(group: ProcessGroup): Promise<Target> {
  const proc = group.spawnNode('bare node:http hello', inRepo('loadtest/bench/bare-hello.ts'), { ipc: true });
  return { url: `http://127.0.0.1:${await reportedPort(proc)}`, requests: GET_HELLO, processes: [proc] };
}

export async function startKitHello(group: ProcessGroup): Promise<Target> {
  const proc = group.spawnNode('service-kit hello', inRepo('packages/service-kit/bench/hello-server.ts'), { ipc: true, args: ['kit'] });
  return { url: `http://127.0.0.1:${await reportedPort(proc)}`, requests: GET_HELLO, processes: [proc] };
}

/** `node <dir>/src/main.ts` on a free port, resolved once /healthz/ready answers. */
async function startService(
  group: ProcessGroup,
  dir: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<{ proc: NodeProcess; url: string }> {
  const port = await freePort();
  const name = dir.split('/').at(-1) ?? dir;
  const proc = group.spawnNode(name, inRepo(`${dir}/src/main.ts`), { env: { ...env, PORT: String(port) }, nodeArgs });
  const url = `http://127.0.0.1:${port}`;
  await ready(proc, url);
  return { proc, url };
}

/** A private redis-server with AOF (appendfsync everysec), as production runs it; its URL. Stopped and removed by the group. */
export async function startRedis(group: ProcessGroup): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const redis = new RedisServerProcess(await freePort(), dir, 'everysec');
  const removeData = () => rmSync(dir, { recursive: true, force: true });
  // Clean-ups run last registered first: the server is killed, then its data removed.
  group.defer(removeData);
  group.defer(() => redis.kill());
  await redis.start();
  return redis.url;
}

export async function startIngestion(group: ProcessGroup, redisUrl: string): Promise<Target> {
  const ingestion = await startService(group, 'services/ingestion', { REDIS_URL: redisUrl, QUEUE_PREFIX: 'bench' });
  return { url: ingestion.url, requests: POST_DELIVERY_REQUEST, processes: [ingestion.proc] };
}

/** A customer token for the sample's owner, as `pnpm token` signs them (HS256, default issuer and audience). */
export async function customerToken(secret = JWT_SECRET): Promise<string> {
  return new SignJWT({ roles: ['customer'], owner_id: SAMPLE_OWNER })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(`bench-${SAMPLE_OWNER}`)
    .setIssuer('https://dronedelivery.local/')
    .setAudience('api://dronedelivery')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}

/**
 * The gateway in front of a fresh ingestion. The per-caller rate limit is lifted (the load is
 * one caller); `nodeArgs` e.g. --cpu-prof apply to the gateway only.
 */
export async function startGatewayToIngestion(group: ProcessGroup, redisUrl: string, nodeArgs: string[] = []): Promise<Target> {
  const ingestion = await startIngestion(group, redisUrl);
  const gateway = await startService(
    group,
    'gateway',
    { JWT_SECRET, INGESTION_URL: ingestion.url, RATE_LIMIT_MAX: '1000000000' },
    nodeArgs,
  );
  return {
    url: gateway.url,
    requests: POST_DELIVERY_REQUEST,
    headers: { authorization: `Bearer ${await customerToken()}` },
    processes: [gateway.proc, ...ingestion.processes],
  };
}

/** A fleet big enough for pickups 20 s apart, as the workflow's end-to-end bench uses. */
export const BENCH_FLEET = Array.from({ length: 200 }, (_, i) => ({
  id: `bench-${i}`,
  base: { latitude: 47.5 + (i % 20) * 0.012, longitude: -122.42 + Math.floor(i / 20) * 0.02 },
  cruiseSpeedMph: 40,
  payload: { maxSize: 'Medium', maxWeightKg: 10 },
}));

export interface Pipeline {
  ingestionUrl: string;
  workflowUrl: string;
  processes: NodeProcess[];
}

/**
 * Ingestion → BullMQ on Redis → workflow → package, dronescheduler and delivery, each its own
 * process; the three backends with their in-memory stores (no REDIS_URL).
 */
export async function startPipeline(group: ProcessGroup, redisUrl: string, workflowConcurrency: number): Promise<Pipeline> {
  const queue = { REDIS_URL: redisUrl, QUEUE_PREFIX: 'bench' };
  const [pkg, delivery, dronescheduler, ingestion] = await Promise.all([
    startService(group, 'services/package'),
    startService(group, 'services/delivery'),
    startService(group, 'services/dronescheduler', { FLEET_JSON: JSON.stringify(BENCH_FLEET) }),
    startService(group, 'services/ingestion', queue),
  ]);
  const workflow = await startService(group, 'services/workflow', {
    ...queue,
    WORKFLOW_CONCURRENCY: String(workflowConcurrency),
    PACKAGE_URL: pkg.url,
    DELIVERY_URL: delivery.url,
    DRONESCHEDULER_URL: dronescheduler.url,
  });
  return {
    ingestionUrl: ingestion.url,
    workflowUrl: workflow.url,
    processes: [ingestion.proc, workflow.proc, pkg.proc, dronescheduler.proc, delivery.proc],
  };
}
