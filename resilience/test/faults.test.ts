// Faults under load, on the real system: services as processes of their own behind
// balancers that follow readiness, real Redis (the queue's with AOF), the MongoDB-protocol
// server and a Cosmos DB server (the dronescheduler's two replicas share it). Each scenario
// drives delivery requests through the gateway, injects its fault, heals it, and reconciles
// every 202 the client got against the services' state: exactly one delivery or one dead
// letter each, nothing lost. Rows go to docs/reliability.md.
import { type CosmosServerProcess, cosmosServerProcess } from '@dronedelivery/dronescheduler/testing';
import { type MongoServer, mongoServer } from '@dronedelivery/fleet';
import { redisServerInstalled } from '@dronedelivery/redis/testing';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditBookings, type BookingAudit, summarizeAudit } from '../src/booking-audit.ts';
import { deliveryRequestAt, LoadClient } from '../src/client.ts';
import { Cluster, type ClusterOptions, SERVICES } from '../src/cluster.ts';
import { metricValue } from '../src/metrics.ts';
import { deliveryRecords, type Reconciliation, reconcile, timeToFirstDelivery } from '../src/reconcile.ts';
import { recordRow } from '../src/results.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The reconciliation gives up after this long without any progress (see reconcile.ts). */
const STALL_MS = 60_000;
const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'never');

/** The MongoDB-protocol and Cosmos DB servers' processes, if the suite started them. */
const servers = new ProcessGroup();
let mongo: MongoServer | undefined;
/** COSMOS_ENDPOINT, or a stand-in of the suite's: never skipped, its package is a devDependency. */
let cosmos: CosmosServerProcess | undefined;
let cluster: Cluster | undefined;

beforeAll(async () => {
  mongo = await mongoServer(servers);
  cosmos = await cosmosServerProcess(servers);
  console.info(`fault suite: the dronescheduler's store is ${cosmos.description}`);
});
afterAll(() => servers.stopAll());
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function startCluster(options: Pick<ClusterOptions, 'replicas' | 'drones'> = {}): Promise<{ cluster: Cluster; client: LoadClient }> {
  cluster = await Cluster.start({ mongo: mongo as MongoServer, cosmos: cosmos as CosmosServerProcess, ...options });
  const client = new LoadClient(cluster.gatewayUrl, await cluster.token('faults'), 'faults');
  return { cluster, client };
}

/**
 * Reconciles, records the row, and checks the invariant: nothing accepted is lost or doubled.
 * `explain`, once everything has settled, gives the row's notes (and may check more).
 */
async function settle(
  id: string,
  details: { scenario: string; load: string; fault: string; recoveryMs: number },
  running: Cluster,
  client: LoadClient,
  explain?: (result: Reconciliation) => Promise<string>,
) {
  const queue = running.queueInspector();
  const result = await reconcile(running, client.log.accepted.values(), {
    stallMs: STALL_MS,
    queue,
    log: (line) => console.info(`[${id}] ${line}`),
  }).finally(() => queue.close());
  if (running.droppedRequests) console.info(`[${id}] requests cut off by a balancer: ${running.droppedRequests}`);
  const notes = await explain?.(result);
  if (notes) console.info(`[${id}] ${notes}`);
  recordRow(id, {
    scenario: details.scenario,
    load: details.load,
    fault: details.fault,
    accepted: result.accepted,
    completed: result.completed,
    deadLettered: result.deadLettered,
    lost: result.lost.length,
    clientErrors: client.log.failedRequests,
    retriedAttempts: client.log.failedAttempts,
    recovery: seconds(details.recoveryMs),
    settled: seconds(result.settledAfterMs),
    stores: running.stores,
    ...(notes ? { notes } : {}),
  });
  expect(
    result.lost,
    `accepted but neither delivered nor dead-lettered after ${seconds(result.waitedMs)} (the last ${seconds(STALL_MS)} without progress); where they are:\n${result.pendingSummary}\n(details: ${running.directory}/pending.json with KEEP_FAULT_LOGS=1)`,
  ).toEqual([]);
  expect(result.both, 'both delivered and dead-lettered').toEqual([]);
  expect(result.accepted).toBeGreaterThan(0);
  expect(client.log.rejected.size, `4xx answers: ${[...client.log.rejected]}`).toBe(0);
  return result;
}

async function mongoAvailable(): Promise<boolean> {
  const probe = new ProcessGroup();
  const server = await mongoServer(probe);
  await probe.stopAll();
  return server !== undefined;
}

const enabled = redisServerInstalled() && (await mongoAvailable());

describe.skipIf(!enabled)('faults under load: nothing accepted is lost', () => {
  it('the workflow killed with SIGKILL mid-run, then restarted: its messages are taken over', async () => {
    const { cluster, client } = await startCluster();
    const load = client.run(40, 30);
    await sleep(10_000);
    await cluster.kill('workflow', 'SIGKILL');
    await sleep(5_000);
    await cluster.startReplicas('workflow');
    const recoveryMs = await timeToFirstDelivery(cluster, () => client.submit());
    await load;
    const result = await settle(
      '1-workflow-sigkill',
      {
        scenario: 'workflow killed (SIGKILL), restarted 5 s later',
        load: '40 req/s × 30 s',
        fault: 'SIGKILL workflow at 10 s',
        recoveryMs,
      },
      cluster,
      client,
    );
    expect(result.completed).toBe(result.accepted);
    expect(client.log.failedRequests).toBe(0);
  });

  for (const backend of ['package', 'delivery', 'dronescheduler'] as const) {
    it(`the ${backend} service down for 30 s, then back: requests wait in the queue and complete`, async () => {
      const { cluster, client } = await startCluster();
      const load = client.run(30, 45);
      await sleep(5_000);
      const replicas = cluster.replicas[backend].length;
      await cluster.kill(backend, 'SIGKILL');
      await sleep(30_000);
      await cluster.startReplicas(backend, replicas);
      const recoveryMs = await timeToFirstDelivery(cluster, () => client.submit());
      await load;
      const result = await settle(
        `2-${backend}-down`,
        { scenario: `${backend} down for 30 s`, load: '30 req/s × 45 s', fault: `${backend} killed at 5 s, back at 35 s`, recoveryMs },
        cluster,
        client,
      );
      // The outage is shorter than the retry budget (8 attempts, backoff from 1 s): all complete.
      expect(result.completed).toBe(result.accepted);
      // Ingestion does not depend on the backends: the client saw no error at all.
      expect(client.log.failedRequests).toBe(0);
    });
  }

  it("the queue's Redis killed and restarted: nothing it acknowledged is lost", async () => {
    const { cluster, client } = await startCluster();
    const load = client.run(40, 30);
    await sleep(10_000);
    await cluster.restartQueueRedis(3_000);
    const recoveryMs = await timeToFirstDelivery(cluster, () => client.submit());
    await load;
    const result = await settle(
      '3-queue-redis-restart',
      {
        scenario: "queue's Redis restarted (AOF everysec)",
        load: '40 req/s × 30 s',
        fault: 'SIGKILL redis at 10 s, restarted 3 s later',
        recoveryMs,
      },
      cluster,
      client,
    );
    expect(result.completed).toBe(result.accepted);
    // While Redis is down ingestion answers 503; the client retries with the same key.
    expect(client.log.failedRequests).toBe(0);
  });

  it('a rolling restart of every service under load: zero failed client requests', async () => {
    const { cluster, client } = await startCluster({ replicas: Object.fromEntries(SERVICES.map((service) => [service, 2])) });
    const started = Date.now();
    const load = client.run(30, 60);
    const codes: (number | null)[] = [];
    for (const service of SERVICES) codes.push(...(await cluster.rollingRestart(service)));
    const restartSeconds = Math.round((Date.now() - started) / 1000);
    const recoveryMs = await timeToFirstDelivery(cluster, () => client.submit());
    await load;
    await settle(
      '4-rolling-restart',
      {
        scenario: 'rolling restart (SIGTERM) of all six services, 2 replicas each',
        load: '30 req/s × 60 s',
        fault: `12 replicas replaced one by one in ${restartSeconds} s`,
        recoveryMs,
      },
      cluster,
      client,
    );
    expect(codes).toEqual(codes.map(() => 0));
    expect(
      client.log.failedAttempts,
      `answers other than 202, retried or not: ${[...client.log.failures].map(([cause, count]) => `${cause} × ${count}`).join(', ')}; cut off by a balancer: ${cluster.droppedRequests || 'none'}`,
    ).toBe(0);
    expect(client.log.failedRequests).toBe(0);
  });

  it('a slow dronescheduler (3 s, past the 2 s timeout): the breaker opens, nothing piles up, and it recovers', async () => {
    const { cluster, client } = await startCluster();
    const load = client.run(30, 40);
    await sleep(5_000);
    cluster.balancers.dronescheduler.delayMs = 3_000;
    let opened = false;
    let mostActive = 0;
    for (let tick = 0; tick < 20; tick += 1) {
      await sleep(1_000);
      const workflow = cluster.replicas.workflow[0]?.url as string;
      if ((await metricValue(workflow, 'http_client_circuit_state', { upstream: 'dronescheduler' })) === 1) opened = true;
      mostActive = Math.max(mostActive, (await metricValue(workflow, 'workflow_queue_messages', { state: 'active' })) ?? 0);
    }
    cluster.balancers.dronescheduler.delayMs = 0;
    const recoveryMs = await timeToFirstDelivery(cluster, () => client.submit());
    await load;
    await settle(
      '5-slow-backend',
      {
        scenario: 'dronescheduler slowed to 3 s (timeout 2 s) for 20 s',
        load: '30 req/s × 40 s',
        fault: 'latency injected at 5 s, removed at 25 s',
        recoveryMs,
      },
      cluster,
      client,
    );
    expect(opened, 'the circuit to the dronescheduler opened').toBe(true);
    // No pile-up: in flight never exceeds the workflow's concurrency (16).
    expect(mostActive).toBeLessThanOrEqual(16);
    expect(client.log.failedRequests).toBe(0);
  });

  it('the same Idempotency-Key from 20 concurrent clients: one deliveryId, one delivery', async () => {
    const { cluster, client } = await startCluster();
    const body = (await import('../src/client.ts')).deliveryRequestBody('faults');
    const ids = await Promise.all(Array.from({ length: 20 }, () => client.submit('the-one-key', body)));
    expect(new Set(ids).size).toBe(1);
    const result = await settle(
      '6-duplicate-submissions',
      {
        scenario: 'same Idempotency-Key from 20 concurrent clients',
        load: '20 concurrent requests',
        fault: 'duplicate submissions',
        recoveryMs: 0,
      },
      cluster,
      client,
    );
    expect(result.accepted).toBe(1);
    expect(result.completed).toBe(1);
  });

  it("100 concurrent requests for 10 drones, through the dronescheduler's two replicas on one Cosmos DB store: no drone double-booked", async () => {
    const drones = 10;
    const { cluster, client } = await startCluster({ drones });
    // Five pickup times two hours apart, twenty requests for each. A flight takes about half
    // an hour, so each drone can fly one delivery per pickup time: ten of each twenty can be
    // scheduled, and all twenty contend for the same drones in the same order of preference.
    const times = 5;
    const first = Date.now() + 24 * 3_600_000;
    const pickupTimes = Array.from({ length: times }, (_, slot) => new Date(first + slot * 2 * 3_600_000).toISOString());
    const submitted = await Promise.all(
      Array.from({ length: 100 }, (_, i) => client.submit(undefined, deliveryRequestAt('faults', pickupTimes[i % times] as string))),
    );
    let audit: BookingAudit | undefined;
    const result = await settle(
      '7-no-double-booking',
      {
        scenario: `100 concurrent requests for ${drones} drones, dronescheduler 2 replicas on one Cosmos DB store`,
        load: `100 concurrent requests, ${times} pickup times 2 h apart`,
        fault: `contention: ${100 / times} requests per pickup time for ${drones} drones`,
        recoveryMs: 0,
      },
      cluster,
      client,
      // Every request has a delivery record now (scheduled, or saying why not): the verdict
      // is taken from the stores, the bookings read straight from the Cosmos DB containers.
      async () => {
        const accepted = [...client.log.accepted.values()];
        audit = auditBookings(accepted, await deliveryRecords(cluster, accepted), await cluster.storedBookings());
        return summarizeAudit(audit);
      },
    );
    expect(submitted.every((id) => id !== undefined)).toBe(true);
    expect(result.accepted).toBe(100);
    expect(result.completed).toBe(result.accepted);
    const { doubleBookings, unbacked, waitedWhileFree, unaccounted, scheduled } = audit as BookingAudit;
    expect(doubleBookings, 'drones booked for two overlapping flights').toEqual([]);
    expect(unbacked, 'scheduled deliveries whose drone does not hold their booking').toEqual([]);
    expect(waitedWhileFree, 'requests waiting while a drone was free at their pickup time').toEqual([]);
    expect(unaccounted, 'requests neither scheduled, nor waiting for a drone, nor rejected for want of one').toEqual([]);
    // No more than the fleet can fly: one delivery per drone and pickup time.
    expect(scheduled.length).toBeLessThanOrEqual(drones * times);
    expect(scheduled.length).toBeGreaterThan(0);
  });
});
