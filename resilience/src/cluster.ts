// The whole system as it runs in a cluster, on loopback: every unit in processes of its own
// (as many replicas as asked; the dronescheduler two by default), each unit behind a Balancer
// that plays its Kubernetes Service, a Redis for the queue (AOF everysec, as production runs
// it), a Redis for deliveries, the MongoDB-protocol server for packages, and a Cosmos DB
// server for the drone fleet and its bookings, shared by the dronescheduler's replicas. A
// test kills, restarts, slows and cuts off parts of it while load runs through the gateway.
// KEEP_FAULT_LOGS=1 keeps the replicas' logs, the queue's append-only file and the cluster's
// Cosmos DB database after a scenario, for a post-mortem.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CosmosServerProcess, type StoredBookings, storedBookings } from '@dronedelivery/dronescheduler/testing';
import { type MongoServer, startUnit, upstreamVariables } from '@dronedelivery/fleet';
import { droneFleet } from '@dronedelivery/fleet/samples';
import { devToken } from '@dronedelivery/gateway/dev-token';
import { RedisServerProcess } from '@dronedelivery/redis/testing';
import { freePort, ProcessGroup, type StartedService } from '@dronedelivery/service-kit/testing';
import { UNIT_NAMES, type UnitName } from '@dronedelivery/system';
import { Balancer } from './balancer.ts';
import { QueueInspector } from './queue-state.ts';

/** Every unit of the system, in start order. */
export const SERVICES = UNIT_NAMES;
export type ServiceName = UnitName;

export interface ClusterOptions {
  mongo: MongoServer;
  /** Where the dronescheduler keeps the fleet and its bookings: one database per cluster, shared by its replicas. */
  cosmos: CosmosServerProcess;
  replicas?: Partial<Record<ServiceName, number>>;
  /** Drones in the fleet (FLEET_JSON; default 200). */
  drones?: number;
}

/**
 * Replicas per service unless a scenario says otherwise. Two dronescheduler replicas share
 * one Cosmos DB store, so bookings race between processes as they do in production.
 */
const DEFAULT_REPLICAS: Partial<Record<ServiceName, number>> = { dronescheduler: 2 };

export class Cluster {
  readonly balancers = Object.fromEntries(SERVICES.map((service) => [service, new Balancer()])) as Record<ServiceName, Balancer>;
  readonly replicas = Object.fromEntries(SERVICES.map((service) => [service, [] as StartedService[]])) as Record<
    ServiceName,
    StartedService[]
  >;
  readonly jwtSecret = `fault-suite-${crypto.randomUUID()}-${crypto.randomUUID()}`;
  readonly adminToken = `admin-${crypto.randomUUID()}`;
  readonly directory = mkdtempSync(join(tmpdir(), 'dronedelivery-faults-'));
  private readonly processes = new ProcessGroup();
  readonly redisQueue: RedisServerProcess;
  readonly redisDelivery: RedisServerProcess;
  private readonly run = crypto.randomUUID().slice(0, 8);
  /** BullMQ's key prefix for this cluster's queue. */
  readonly queuePrefix = `faults-${this.run}`;
  /** This cluster's database, in the MongoDB-protocol server and in Cosmos DB: runs never share data. */
  readonly database = `faults_${this.run}`;
  private readonly options: ClusterOptions;
  /** A client of the Cosmos DB server, for reading bookings and dropping the database. */
  private readonly cosmos: ReturnType<CosmosServerProcess['client']>;

  private constructor(options: ClusterOptions, queuePort: number, deliveryPort: number) {
    this.options = options;
    this.cosmos = options.cosmos.client();
    this.redisQueue = new RedisServerProcess(queuePort, this.directory, 'everysec', { group: this.processes });
    this.redisDelivery = new RedisServerProcess(deliveryPort, undefined, 'always', { group: this.processes });
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options, await freePort(), await freePort());
    try {
      await cluster.redisQueue.start();
      await cluster.redisDelivery.start();
      for (const balancer of Object.values(cluster.balancers)) await balancer.listen();
      // Backends first, then what calls them, as a rollout would order them.
      const replicas = { ...DEFAULT_REPLICAS, ...options.replicas };
      for (const service of SERVICES) await cluster.startReplicas(service, replicas[service] ?? 1);
    } catch (error) {
      // The test never gets the cluster to stop: without this its processes outlive the run.
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get gatewayUrl(): string {
    return this.balancers.gateway.url;
  }

  /** What every unit is told (each reads what its configuration knows), and what one unit alone is. */
  private environment(service: ServiceName): Record<string, string> {
    const queue = {
      REDIS_URL: this.redisQueue.url,
      QUEUE_PREFIX: this.queuePrefix,
      // A consumer killed mid-message is noticed in seconds rather than the production 30 s.
      QUEUE_LOCK_DURATION_MS: '5000',
      QUEUE_STALLED_INTERVAL_MS: '2000',
    };
    const own: Partial<Record<ServiceName, Record<string, string>>> = {
      delivery: { REDIS_URL: this.redisDelivery.url, REDIS_KEY_PREFIX: `faults-${this.run}:` },
      dronescheduler: this.options.cosmos.environment(this.database),
      ingestion: queue,
      workflow: queue,
    };
    return {
      LOG_LEVEL: 'info',
      // Readiness turns false at SIGTERM and stays so for a second before the listener
      // closes: the Balancer (like endpoints) stops sending first.
      SHUTDOWN_DELAY_MS: '1000',
      DRAIN_TIMEOUT_MS: '10000',
      // Every unit is found through its Balancer, as through a Kubernetes Service.
      ...upstreamVariables(Object.fromEntries(SERVICES.map((name) => [name, this.balancers[name].url]))),
      MONGODB_URL: this.options.mongo.url,
      MONGODB_DATABASE: this.database,
      // Every dronescheduler replica seeds this fleet into the store at start-up.
      FLEET_JSON: JSON.stringify(droneFleet('drone', this.options.drones)),
      WORKFLOW_ADMIN_TOKEN: this.adminToken,
      JWT_SECRET: this.jwtSecret,
      RATE_LIMIT_MAX: '100000000',
      ...own[service],
    };
  }

  /** Starts `count` more replicas of a service and waits until the Balancer sends them traffic. */
  async startReplicas(service: ServiceName, count = 1): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.startReplica(service)));
  }

  private async startReplica(service: ServiceName): Promise<StartedService> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const balancer = this.balancers[service];
    balancer.add(url);
    try {
      const replica = await startUnit(this.processes, service, {
        port,
        env: this.environment(service),
        logFile: join(this.directory, `${service}-${port}.log`),
        // Ready when the Balancer sends it traffic. Generous: a replica booting on a starved
        // CPU is slow, not broken; one that never gets ready still fails.
        ready: () => balancer.readyReplicas.includes(url),
        readyTimeoutMs: 180_000,
        // A SIGTERM is a pod deletion: the replica drains within its own hard timeout (25 s), never cut short.
        graceMs: 30_000,
      });
      this.replicas[service].push(replica);
      return replica;
    } catch (error) {
      balancer.remove(url);
      throw new Error(`${(error as Error).message}; see ${this.directory}`);
    }
  }

  /** Sends `signal` to every replica of a service and waits for them to exit. */
  async kill(service: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const replicas = this.replicas[service].splice(0);
    await Promise.all(replicas.map((replica) => this.stopReplica(service, replica, signal)));
  }

  private async stopReplica(service: ServiceName, replica: StartedService, signal: NodeJS.Signals): Promise<number | null> {
    // A graceful stop is a pod deletion: out of the endpoints as the signal goes. A SIGKILL
    // is a crash, which the Balancer only learns of from failing probes.
    if (signal === 'SIGTERM') this.balancers[service].drain(replica.url);
    const { code } = await replica.kill(signal);
    this.balancers[service].remove(replica.url);
    return code;
  }

  /**
   * A rolling update of one service: for each replica, a new one is started and ready before
   * the old one gets SIGTERM (maxSurge 1, maxUnavailable 0). Resolves with the old replicas' exit codes.
   */
  async rollingRestart(service: ServiceName): Promise<(number | null)[]> {
    const codes: (number | null)[] = [];
    for (const old of [...this.replicas[service]]) {
      await this.startReplica(service);
      this.replicas[service].splice(this.replicas[service].indexOf(old), 1);
      codes.push(await this.stopReplica(service, old, 'SIGTERM'));
    }
    return codes;
  }

  /** The queue's Redis killed abruptly and started again on its append-only file. */
  async restartQueueRedis(downMs: number): Promise<void> {
    await this.redisQueue.kill();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.redisQueue.start();
  }

  /** A customer token for `owner`, as the gateway expects it. */
  async token(owner: string): Promise<string> {
    return devToken({ secret: this.jwtSecret, ownerId: owner, expiresIn: '1h' });
  }

  /** The dronescheduler's bookings, read straight from this cluster's Cosmos DB containers. */
  storedBookings(): Promise<StoredBookings> {
    return storedBookings(this.cosmos, this.database);
  }

  /** Where the services keep their data, for the report. */
  get stores(): string {
    return `drone fleet and bookings on Cosmos DB for NoSQL (${this.options.cosmos.description}); packages on ${this.options.mongo.description}; the queue and deliveries on redis-server`;
  }

  /** Reads where messages are in the queue, straight from its Redis. Close it when done. */
  queueInspector(): QueueInspector {
    return new QueueInspector(this.redisQueue.url, this.queuePrefix);
  }

  /** Requests the Balancers cut off, by service and cause, e.g. "gateway 127.0.0.1:4100: ECONNRESET × 1"; empty if none. */
  get droppedRequests(): string {
    return SERVICES.flatMap((service) =>
      [...this.balancers[service].dropped].map(([cause, count]) => `${service} ${cause} × ${count}`),
    ).join('; ');
  }

  /** Whether every service has a ready replica. */
  get ready(): boolean {
    return SERVICES.every((service) => this.balancers[service].readyReplicas.length > 0);
  }

  async stop(): Promise<void> {
    for (const service of [...SERVICES].reverse()) await this.kill(service, 'SIGKILL');
    for (const balancer of Object.values(this.balancers)) await balancer.close();
    await this.redisQueue.kill();
    await this.redisDelivery.kill();
    await this.processes.stopAll();
    if (process.env.KEEP_FAULT_LOGS) {
      console.info(`fault suite: logs and the queue's AOF kept in ${this.directory}, Cosmos DB database ${this.database} kept`);
    } else {
      rmSync(this.directory, { recursive: true, force: true });
      // A shared server (COSMOS_ENDPOINT) keeps no scenario's data.
      await this.cosmos
        .database(this.database)
        .delete()
        .catch(() => undefined);
    }
    this.cosmos.dispose();
  }
}
