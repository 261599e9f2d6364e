// The whole system as it runs in a cluster, on loopback: every service in processes of its
// own (as many replicas as asked), each service behind a Balancer that plays its Kubernetes
// Service, a Redis for the queue (AOF everysec, as production runs it), a Redis for
// deliveries, and the MongoDB-protocol server for packages. A test kills, restarts, slows
// and cuts off parts of it while load runs through the gateway. KEEP_FAULT_LOGS=1 keeps the
// replicas' logs and the queue's append-only file after a scenario, for a post-mortem.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisServerProcess } from '@dronedelivery/redis/testing';
import { freePort } from '@dronedelivery/service-kit/testing';
import { UNIT_NAMES, type UnitName, unitNamed, urlVariable } from '@dronedelivery/system';
import { SignJWT } from 'jose';
import { Balancer } from './balancer.ts';
import { QueueInspector } from './queue-state.ts';

/** Every unit of the system, in start order. */
export const SERVICES = UNIT_NAMES;
export type ServiceName = UnitName;

const entry = (service: ServiceName) => fileURLToPath(new URL(`../../${unitNamed(service).folder}/src/main.ts`, import.meta.url));

/** 200 drones, so the fleet's size is not what a fault test measures. */
const FLEET = Array.from({ length: 200 }, (_, i) => ({
  id: `drone-${i}`,
  base: { latitude: 47.5 + (i % 20) * 0.012, longitude: -122.42 + Math.floor(i / 20) * 0.02 },
  cruiseSpeedMph: 40,
  payload: { maxSize: 'Medium', maxWeightKg: 10 },
}));

interface Replica {
  url: string;
  child: ChildProcess;
}

export interface ClusterOptions {
  mongoUrl: string;
  replicas?: Partial<Record<ServiceName, number>>;
}

export class Cluster {
  readonly balancers = Object.fromEntries(SERVICES.map((service) => [service, new Balancer()])) as Record<ServiceName, Balancer>;
  readonly replicas = Object.fromEntries(SERVICES.map((service) => [service, [] as Replica[]])) as Record<ServiceName, Replica[]>;
  readonly jwtSecret = `fault-suite-${crypto.randomUUID()}-${crypto.randomUUID()}`;
  readonly adminToken = `admin-${crypto.randomUUID()}`;
  readonly directory = mkdtempSync(join(tmpdir(), 'dronedelivery-faults-'));
  readonly redisQueue: RedisServerProcess;
  readonly redisDelivery: RedisServerProcess;
  private readonly run = crypto.randomUUID().slice(0, 8);
  /** BullMQ's key prefix for this cluster's queue. */
  readonly queuePrefix = `faults-${this.run}`;
  private readonly options: ClusterOptions;

  private constructor(options: ClusterOptions, queuePort: number, deliveryPort: number) {
    this.options = options;
    this.redisQueue = new RedisServerProcess(queuePort, this.directory, 'everysec');
    this.redisDelivery = new RedisServerProcess(deliveryPort);
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options, await freePort(), await freePort());
    try {
      await cluster.redisQueue.start();
      await cluster.redisDelivery.start();
      for (const balancer of Object.values(cluster.balancers)) await balancer.listen();
      // Backends first, then what calls them, as a rollout would order them.
      for (const service of SERVICES) await cluster.startReplicas(service, options.replicas?.[service] ?? 1);
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

  private environment(service: ServiceName): Record<string, string> {
    const common = {
      LOG_LEVEL: 'info',
      // Readiness turns false at SIGTERM and stays so for a second before the listener
      // closes: the Balancer (like endpoints) stops sending first.
      SHUTDOWN_DELAY_MS: '1000',
      DRAIN_TIMEOUT_MS: '10000',
    };
    const queue = {
      REDIS_URL: this.redisQueue.url,
      QUEUE_PREFIX: this.queuePrefix,
      // A consumer killed mid-message is noticed in seconds rather than the production 30 s.
      QUEUE_LOCK_DURATION_MS: '5000',
      QUEUE_STALLED_INTERVAL_MS: '2000',
    };
    // Every unit is found through its Balancer, as through a Kubernetes Service.
    const upstreams = Object.fromEntries(SERVICES.map((name) => [urlVariable(name), this.balancers[name].url]));
    switch (service) {
      case 'delivery':
        return { ...common, REDIS_URL: this.redisDelivery.url, REDIS_KEY_PREFIX: `faults-${this.run}:` };
      case 'package':
        return { ...common, MONGODB_URL: this.options.mongoUrl, MONGODB_DATABASE: `faults_${this.run}` };
      case 'dronescheduler':
        return { ...common, FLEET_JSON: JSON.stringify(FLEET) };
      case 'ingestion':
        return { ...common, ...queue };
      case 'workflow':
        return { ...common, ...queue, ...upstreams, WORKFLOW_ADMIN_TOKEN: this.adminToken };
      case 'gateway':
        return {
          ...common,
          ...upstreams,
          JWT_SECRET: this.jwtSecret,
          RATE_LIMIT_MAX: '100000000',
        };
    }
  }

  /** Starts `count` more replicas of a service and waits until the Balancer sends them traffic. */
  async startReplicas(service: ServiceName, count = 1): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.startReplica(service)));
  }

  private async startReplica(service: ServiceName): Promise<Replica> {
    const port = await freePort();
    const log = openSync(join(this.directory, `${service}-${port}.log`), 'a');
    const child = spawn(process.execPath, [entry(service)], {
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), ...this.environment(service) },
      stdio: ['ignore', log, log],
    });
    const replica = { url: `http://127.0.0.1:${port}`, child };
    this.replicas[service].push(replica);
    this.balancers[service].add(replica.url);
    // Generous: a replica booting on a starved CPU is slow, not broken; one that never gets ready still fails.
    const deadline = Date.now() + 180_000;
    while (!this.balancers[service].readyReplicas.includes(replica.url)) {
      if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}; see ${this.directory}`);
      if (Date.now() > deadline) throw new Error(`${service} did not become ready; see ${this.directory}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return replica;
  }

  /** Sends `signal` to every replica of a service and waits for them to exit. */
  async kill(service: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const replicas = this.replicas[service].splice(0);
    await Promise.all(replicas.map((replica) => this.stopReplica(service, replica, signal)));
  }

  private async stopReplica(service: ServiceName, replica: Replica, signal: NodeJS.Signals): Promise<number | null> {
    const exited = replica.child.exitCode !== null ? Promise.resolve([replica.child.exitCode]) : once(replica.child, 'exit');
    // A graceful stop is a pod deletion: out of the endpoints as the signal goes. A SIGKILL
    // is a crash, which the Balancer only learns of from failing probes.
    if (signal === 'SIGTERM') this.balancers[service].drain(replica.url);
    replica.child.kill(signal);
    const [code] = await exited;
    this.balancers[service].remove(replica.url);
    return code as number | null;
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
    return new SignJWT({ roles: ['customer'], owner_id: owner })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`faults-${owner}`)
      .setIssuer('https://dronedelivery.local/')
      .setAudience('api://dronedelivery')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(this.jwtSecret));
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
    if (process.env.KEEP_FAULT_LOGS) console.info(`fault suite: logs and the queue's AOF kept in ${this.directory}`);
    else rmSync(this.directory, { recursive: true, force: true });
  }
}
