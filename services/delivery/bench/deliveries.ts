// Benchmark: GET /api/deliveries/{id} and PUT (new deliveries) requests/s with the
// in-memory store and with Redis. Each variant is the real service (src/main.ts) in its
// own process, driven by autocannon on loopback. Redis is the server at REDIS_URL, or a
// redis-server this script starts.
//   pnpm --filter @dronedelivery/delivery bench        (BENCH_SECONDS=10 by default)
import { deliveryRoutes, pathOf } from '@dronedelivery/contracts';
import { startUnit } from '@dronedelivery/fleet';
import { sampleDelivery } from '@dronedelivery/fleet/samples';
import { measure, numbered, printTable, redisFor, seconds, seed, withProcesses } from '@dronedelivery/loadtest/bench/shared.ts';
import type { ProcessGroup } from '@dronedelivery/service-kit/testing';

const body = JSON.stringify(sampleDelivery());

async function variant(group: ProcessGroup, store: string, env: Record<string, string>) {
  const delivery = await startUnit(group, 'delivery', { env });
  try {
    await seed(delivery.url, deliveryRoutes.schedule, { id: 'bench-read' }, sampleDelivery());
    const read = await measure(delivery.url, [{ method: 'GET', path: pathOf(deliveryRoutes.get, { id: 'bench-read' }) }]);
    const write = await measure(delivery.url, [
      numbered(deliveryRoutes.schedule, (n) => ({ params: { id: `bench-${process.pid}-${n}` }, body })),
    ]);
    return [
      [store, 'GET /api/deliveries/{id}', read],
      [store, 'PUT /api/deliveries/{id} (new)', write],
    ] as const;
  } finally {
    await delivery.stop();
  }
}

const rows = await withProcesses(async (group) => {
  const redis = await redisFor(group, false);
  return [
    ...(await variant(group, 'in-memory', {})),
    ...(await variant(group, redis.local ? 'Redis 7 (local redis-server)' : 'Redis (REDIS_URL)', {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `bench:${Date.now()}:`,
    })),
  ];
});

printTable(
  `Delivery service, ${seconds} s per row, 50 connections, loopback, LOG_LEVEL=warn, node ${process.version}`,
  ['store', 'operation', 'requests/s', 'p50 ms', 'p99 ms', 'errors'],
  rows.map(([store, operation, r]) => [store, operation, r.requestsPerSecond, r.p50Ms, r.p99Ms, r.errors + r.non2xx]),
);
