// A Redis Cluster of three masters on loopback for CI and local test runs. Once every node
// reports cluster_state:ok, prints REDIS_CLUSTER_URL=redis://127.0.0.1:<first port> and runs
// until SIGTERM or SIGINT, then stops the nodes and removes their directory.
//   node packages/redis/scripts/redis-cluster.ts [--port 7001]   (that port and the next two; 0: three free ones)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePortRun, ProcessGroup } from '@dronedelivery/service-kit/testing';
import { startRedisCluster } from '../src/testing.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '7001' } } });
const asked = Number(values.port);
if (!Number.isInteger(asked) || asked < 0 || asked > 65_533) throw new Error(`--port: not a port: ${values.port}`);
const first = asked === 0 ? await freePortRun(3) : asked;

const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
const group = new ProcessGroup();
const stop = async () => {
  await group.stopAll();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

try {
  const cluster = await startRedisCluster([first, first + 1, first + 2], dir, group);
  process.stdout.write(`REDIS_CLUSTER_URL=${cluster.url}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  await stop();
}
