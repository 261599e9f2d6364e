// A redis-server of a test's own (Debian's), to stop and start under a service, and a Redis
// Cluster of three: processes of the kit's ProcessGroup, so they are killed with the rest of
// a run, whatever happens.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ProcessGroup, type RunningProcess, waitForPort } from '@dronedelivery/service-kit/testing';
import { Cluster, connectRedis, waitUntilConnected } from './index.ts';

export function redisServerInstalled(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RedisServerOptions {
  /** The group that tracks it (default: one of its own). */
  group?: ProcessGroup;
  /** Pinned to these CPUs. */
  cores?: number[];
}

export class RedisServerProcess {
  readonly port: number;
  /** With a directory, data is kept in an append-only file across restarts. */
  private readonly dir: string | undefined;
  private readonly appendfsync: 'always' | 'everysec';
  private readonly group: ProcessGroup;
  private readonly cores: number[] | undefined;
  private server: RunningProcess | undefined;

  /** `appendfsync`: `always` for tests that must lose nothing, `everysec` as production runs it. */
  constructor(port: number, dir?: string, appendfsync: 'always' | 'everysec' = 'always', options: RedisServerOptions = {}) {
    this.port = port;
    this.dir = dir;
    this.appendfsync = appendfsync;
    this.group = options.group ?? new ProcessGroup();
    this.cores = options.cores;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Its pid while it runs. */
  get pid(): number | undefined {
    return this.server?.running ? this.server.pid : undefined;
  }

  async start(): Promise<void> {
    const persistence = this.dir ? ['--dir', this.dir, '--appendonly', 'yes', '--appendfsync', this.appendfsync] : ['--appendonly', 'no'];
    this.server = this.group.spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'noeviction', ...persistence],
      { name: 'redis-server', ...(this.cores ? { cores: this.cores } : {}) },
    );
    await waitForPort(this.port);
  }

  /** Kills the server abruptly, as a crash or a lost node would. */
  async kill(): Promise<void> {
    await this.server?.kill('SIGKILL');
  }
}

export interface RedisCluster {
  /** One node's URL: a cluster client finds the others from it. */
  url: string;
  ports: number[];
}

/**
 * A Redis Cluster of `ports.length` masters (three at least, no replicas) on loopback, as
 * `redis-server --cluster-enabled yes` processes of the group and `redis-cli --cluster create`;
 * resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(ports: number[], dir: string, group: ProcessGroup): Promise<RedisCluster> {
  for (const port of ports) {
    group.spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
        '--maxmemory-policy',
        'noeviction',
      ],
      { name: `redis-cluster-${port}` },
    );
  }
  await Promise.all(ports.map((port) => waitForPort(port)));
  const nodes = ports.map((port) => `127.0.0.1:${port}`);
  execFileSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (const port of ports) {
    while (!execFileSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error(`the Redis Cluster on ports ${ports.join(', ')} did not reach cluster_state:ok`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { url: `redis://127.0.0.1:${ports[0]}`, ports };
}

/** A real Redis a suite runs against: one server, or a cluster (through one of its nodes). */
export interface RedisTarget {
  name: string;
  url: string;
  cluster: boolean;
}

/**
 * The real Redis deployments this run has: REDIS_URL (one server) and REDIS_CLUSTER_URL (a
 * Redis Cluster; `node packages/redis/scripts/redis-cluster.ts` starts one). Undefined when unset.
 */
export const redisTargets = {
  server: process.env.REDIS_URL ? { name: 'Redis', url: process.env.REDIS_URL, cluster: false } : undefined,
  cluster: process.env.REDIS_CLUSTER_URL ? { name: 'Redis Cluster', url: process.env.REDIS_CLUSTER_URL, cluster: true } : undefined,
} satisfies Record<string, RedisTarget | undefined>;

/** The environment that points a unit at a target. */
export function redisEnv(target: RedisTarget): { REDIS_URL: string; REDIS_CLUSTER: 'true' | 'false' } {
  return { REDIS_URL: target.url, REDIS_CLUSTER: target.cluster ? 'true' : 'false' };
}

/** Deletes every key that starts with `prefix`: on the server, or on every master of the cluster. */
export async function deleteKeysWithPrefix(target: RedisTarget, prefix: string): Promise<void> {
  const client = connectRedis({ url: target.url, cluster: target.cluster, connectionName: 'test-cleanup' });
  try {
    await waitUntilConnected(client, 10_000);
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    for (const node of nodes) {
      const found = await node.keys(`${prefix}*`);
      // One key per command: keys of different hash slots cannot share one on a cluster.
      await Promise.all(found.map((key) => node.unlink(key)));
    }
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}
