// Benchmark: accepted delivery requests per second (POST /api/deliveryrequests → 202) with
// BullMQ on Redis, and with the in-memory queue for comparison. The real service
// (src/main.ts) in its own process, driven by autocannon on loopback; Redis is the server
// at REDIS_URL, or a redis-server this script starts with AOF (appendfsync everysec), as
// production should run it.
//   pnpm --filter @dronedelivery/ingestion bench        (BENCH_SECONDS=10 by default)
import { requestRoutes } from '@dronedelivery/contracts';
import { startUnit } from '@dronedelivery/fleet';
import { ORIGINAL_SAMPLE_JSON } from '@dronedelivery/fleet/samples';
import { measure, printTable, redisFor, seconds, withProcesses } from '@dronedelivery/loadtest/bench/shared.ts';
import type { ProcessGroup } from '@dronedelivery/service-kit/testing';

const post = {
  method: 'POST' as const,
  path: requestRoutes.request.url,
  headers: { 'content-type': 'application/json' },
  body: ORIGINAL_SAMPLE_JSON,
};

async function variant(group: ProcessGroup, queue: string, env: Record<string, string>) {
  const ingestion = await startUnit(group, 'ingestion', { env });
  try {
    return [queue, await measure(ingestion.url, [post])] as const;
  } finally {
    await ingestion.stop();
  }
}

const rows = await withProcesses(async (group) => [
  await variant(group, 'in-memory queue', {}),
  await redisFor(group, true).then((redis) =>
    variant(group, redis.local ? 'BullMQ on Redis 7 (AOF, appendfsync everysec)' : 'BullMQ on REDIS_URL', {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `bench-${Date.now()}`,
    }),
  ),
]);

printTable(
  `POST /api/deliveryrequests (the original sample), ${seconds} s, 50 connections, loopback, LOG_LEVEL=warn, node ${process.version}`,
  ['queue', 'accepted/s', 'p50 ms', 'p99 ms', 'non-202', 'errors'],
  rows.map(([queue, r]) => [queue, r.requestsPerSecond, r.p50Ms, r.p99Ms, r.non2xx, r.errors]),
);
