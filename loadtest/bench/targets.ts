// What the bench drives, each started and ready: the bare node:http ceiling; the gateway in
// front of ingestion (separate processes, BullMQ and the rate limit on a private Redis); the
// whole system as separate processes behind the gateway; and the whole system in one process
// as `npm start` runs it. Every unit runs as `production.ts` says.
import { fileURLToPath } from 'node:url';
import { gatewayRoutes } from '@dronedelivery/contracts';
import {
  type StartedService,
  startProcessFleet,
  startRedis as startRedisServer,
  startUnit,
  UNIT_NAMES,
  type UnitName,
  type UnitOptions,
  upstreamVariables,
} from '@dronedelivery/fleet';
import { droneFleet, ORIGINAL_SAMPLE, ORIGINAL_SAMPLE_JSON } from '@dronedelivery/fleet/samples';
import { devToken } from '@dronedelivery/gateway/dev-token';
import { freePortRun, type ProcessGroup, type RunningProcess, waitForReady } from '@dronedelivery/service-kit/testing';
import { DEFAULT_PORTS } from '@dronedelivery/system';
import type { Request } from 'autocannon';
import type { RunAs } from './production.ts';

const inRepo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A request path under load: where to send what, and the processes that serve it. */
export interface Target {
  url: string;
  requests: Request[];
  headers?: Record<string, string>;
  /** Every process started for it, the one the load generator talks to first. */
  processes: RunningProcess[];
}

/** A whole system under load: its gateway, its workflow (whose counters say what was scheduled) and a customer token. */
export interface SystemTarget extends Target {
  workflowUrl: string;
  /** Per unit, the URL it answers on (all of them, also in one process). */
  urls: Record<UnitName, string>;
  /** From spawn to the gateway's first ready answer, ms. */
  readyMs: number;
}

/** The whole system as separate processes, and a way to start one more replica of a unit into it. */
export interface SeparateSystem extends SystemTarget {
  /** Another replica of `name`, set up like the first, ready; with how long it took from spawn. */
  startReplica(name: UnitName): Promise<{ replica: StartedService; readyMs: number }>;
}

const GET_HELLO: Request[] = [{ method: 'GET', path: '/hello' }];
/** The original application's sample, each POST a new delivery request. */
export const POST_DELIVERY_REQUEST: Request[] = [
  { method: 'POST', path: gatewayRoutes.requestDelivery.url, headers: { 'content-type': 'application/json' }, body: ORIGINAL_SAMPLE_JSON },
];
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256';
/** The load is one caller: its per-caller limit is lifted (the limit's Redis round trip stays). */
const UNLIMITED = { RATE_LIMIT_MAX: '1000000000' };
/** A fleet big enough for the end-to-end case's pickups, 20 s apart. */
export const BENCH_FLEET = droneFleet('bench');

/** The bare node:http hello server, reporting its port over IPC. */
export async function startBareHello(group: ProcessGroup): Promise<Target> {
  const hello = group.node([inRepo('loadtest/bench/bare-hello.ts')], { name: 'bare node:http hello', ipc: true });
  return { url: `http://127.0.0.1:${await hello.message<number>()}`, requests: GET_HELLO, processes: [hello] };
}

/** A private redis-server with AOF (appendfsync everysec), as production runs it; its URL. */
export async function startRedis(group: ProcessGroup): Promise<string> {
  return (await startRedisServer(group)).url;
}

/** A customer token for the sample's owner (a customer token acts for its own owner only). */
export const customerToken = () => devToken({ secret: JWT_SECRET, ownerId: ORIGINAL_SAMPLE.ownerId, expiresIn: '1h' });
const bearer = async () => ({ authorization: `Bearer ${await customerToken()}` });

/** Each unit as its image runs it, its log in a file of its own; `extra` node arguments (e.g. --cpu-prof) for some. */
function unitOptions(runAs: RunAs, units: readonly UnitName[], extra: Partial<Record<UnitName, string[]>> = {}) {
  return Object.fromEntries(units.map((name) => [name, runAs.unit(name, extra[name])])) as Partial<Record<UnitName, UnitOptions>>;
}

/** The gateway in front of ingestion, each a process, both on one Redis (queue, rate limit). */
export async function startGatewayToIngestion(group: ProcessGroup, runAs: RunAs, gatewayArgs: string[] = []): Promise<Target> {
  const redis = { REDIS_URL: await startRedis(group), QUEUE_PREFIX: 'bench' };
  const units = ['ingestion', 'gateway'] as const;
  const fleet = await startProcessFleet(group, {
    units,
    env: { ...runAs.env, ...redis },
    envFor: { gateway: { JWT_SECRET, ...UNLIMITED } },
    optionsFor: unitOptions(runAs, units, { gateway: gatewayArgs }),
  });
  return {
    url: fleet.urls.gateway,
    requests: POST_DELIVERY_REQUEST,
    headers: await bearer(),
    processes: [fleet.processes.gateway, fleet.processes.ingestion],
  };
}

/**
 * Every unit as a process of its own, behind the gateway: ingestion → BullMQ on Redis → workflow
 * → package, dronescheduler and delivery (their in-memory stores); the gateway's rate limit on
 * the same Redis.
 */
export async function startSeparateSystem(group: ProcessGroup, runAs: RunAs, workflowConcurrency: number): Promise<SeparateSystem> {
  const redisUrl = await startRedis(group);
  const onRedis = { REDIS_URL: redisUrl, QUEUE_PREFIX: `bench-${Date.now()}` };
  const env = { ...runAs.env, FLEET_JSON: JSON.stringify(BENCH_FLEET), WORKFLOW_CONCURRENCY: String(workflowConcurrency) };
  const envFor: Partial<Record<UnitName, Record<string, string>>> = {
    ingestion: onRedis,
    workflow: onRedis,
    gateway: { JWT_SECRET, ...UNLIMITED, REDIS_URL: redisUrl },
  };
  const options = unitOptions(runAs, UNIT_NAMES);
  const started = performance.now();
  const fleet = await startProcessFleet(group, { env, envFor, optionsFor: options });
  return {
    url: fleet.urls.gateway,
    requests: POST_DELIVERY_REQUEST,
    headers: await bearer(),
    processes: UNIT_NAMES.map((name) => fleet.processes[name]),
    workflowUrl: fleet.urls.workflow,
    urls: fleet.urls,
    readyMs: Math.round(performance.now() - started),
    async startReplica(name) {
      const spawned = performance.now();
      const replica = await startUnit(group, name, {
        ...options[name],
        name: `${name} (replica)`,
        logFile: runAs.logFile(`${name}-replica`),
        env: { ...upstreamVariables(fleet.urls), ...env, ...envFor[name] },
      });
      return { replica, readyMs: Math.round(performance.now() - spawned) };
    },
  };
}

/**
 * The whole system in one process, as `npm start` runs it (embedded/src/main.ts with the
 * telemetry preload; in-memory stores and queue), on a free run of ports.
 */
export async function startEmbedded(group: ProcessGroup, runAs: RunAs, workflowConcurrency?: number): Promise<SystemTarget> {
  const base = await freePortRun(UNIT_NAMES.length);
  const urls = Object.fromEntries(
    UNIT_NAMES.map((name) => [name, `http://127.0.0.1:${base + DEFAULT_PORTS[name] - DEFAULT_PORTS.gateway}`]),
  ) as Record<UnitName, string>;
  const started = performance.now();
  const system = group.node([...runAs.nodeArgs, inRepo('embedded/src/main.ts')], {
    name: 'embedded system',
    cwd: inRepo('embedded'),
    logFile: runAs.logFile('embedded'),
    graceMs: 30_000,
    env: {
      ...runAs.env,
      HOST: '127.0.0.1',
      PORT: String(base),
      JWT_SECRET,
      ...UNLIMITED,
      FLEET_JSON: JSON.stringify(BENCH_FLEET),
      SHUTDOWN_DELAY_MS: '0',
      ...(workflowConcurrency ? { WORKFLOW_CONCURRENCY: String(workflowConcurrency) } : {}),
    },
  });
  await waitForReady(urls.gateway, { process: system, timeoutMs: 60_000, intervalMs: 10 });
  const readyMs = Math.round(performance.now() - started);
  return {
    url: urls.gateway,
    requests: POST_DELIVERY_REQUEST,
    headers: await bearer(),
    processes: [system],
    workflowUrl: urls.workflow,
    urls,
    readyMs,
  };
}
