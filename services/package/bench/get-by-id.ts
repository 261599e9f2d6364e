// Benchmark: GET /api/packages/{id} requests/s with the in-memory store and with MongoDB.
// Each variant is the real service (src/main.ts) in its own process, driven by autocannon
// on loopback. MongoDB is the server at MONGODB_URL, or a FerretDB this script starts.
//   pnpm --filter @dronedelivery/package bench        (BENCH_SECONDS=10 by default)
import { packageRoutes, pathOf } from '@dronedelivery/contracts';
import { mongoServer, startUnit } from '@dronedelivery/fleet';
import { measure, printTable, seconds, seed, withProcesses } from '@dronedelivery/loadtest/bench/shared.ts';
import type { ProcessGroup } from '@dronedelivery/service-kit/testing';

async function variant(group: ProcessGroup, store: string, env: Record<string, string>) {
  const service = await startUnit(group, 'package', { env });
  try {
    await seed(service.url, packageRoutes.upsert, { id: 'bench-1' }, { ownerId: 'bench-owner', size: 'Medium', weight: 4.2, tag: 'bench' });
    return [store, await measure(service.url, [{ method: 'GET', path: pathOf(packageRoutes.get, { id: 'bench-1' }) }])] as const;
  } finally {
    await service.stop();
  }
}

const rows = await withProcesses(async (group) => {
  const measured = [await variant(group, 'in-memory store', {})];
  const mongo = await mongoServer(group);
  if (mongo) {
    measured.push(
      await variant(group, `MongoDB adapter (${mongo.description})`, { MONGODB_URL: mongo.url, MONGODB_DATABASE: `bench_${Date.now()}` }),
    );
  } else {
    console.warn('No MONGODB_URL and no FerretDB binary (.tools/bin/ferretdb): MongoDB adapter not measured.');
  }
  return measured;
});

printTable(
  `GET /api/packages/{id}, ${seconds} s per variant, 50 connections, loopback, LOG_LEVEL=warn, node ${process.version}`,
  ['store', 'requests/s', 'p50 ms', 'p99 ms', 'errors'],
  rows.map(([store, r]) => [store, r.requestsPerSecond, r.p50Ms, r.p99Ms, r.errors + r.non2xx]),
);
