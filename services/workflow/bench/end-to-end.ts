// Benchmark: completed deliveries per second end to end — ingestion → BullMQ on Redis →
// workflow → package, dronescheduler and delivery — each service its own process on
// loopback, with the in-memory stores for the three backends. Sends a fixed number of
// requests with autocannon, then waits until the workflow has scheduled every one (the same
// pipeline and measurement as the end-to-end case of `pnpm bench`).
//   pnpm --filter @dronedelivery/workflow bench   (BENCH_REQUESTS=3000, BENCH_CONCURRENCY="8 32")
import { runEndToEnd } from '@dronedelivery/loadtest/bench/end-to-end.ts';
import { printTable, redisFor, withProcesses } from '@dronedelivery/loadtest/bench/shared.ts';
import { startPipeline } from '@dronedelivery/loadtest/bench/targets.ts';

const requests = Number(process.env.BENCH_REQUESTS ?? 3000);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '8 32').split(/\s+/).map(Number);

const rows = await withProcesses(async (group) => {
  const redis = await redisFor(group, true);
  const measured = [];
  for (const concurrency of concurrencies) {
    // Fresh processes for each concurrency, on the same Redis.
    const result = await withProcesses(async (pipelineGroup) => {
      const pipeline = await startPipeline(pipelineGroup, redis.url, concurrency);
      return runEndToEnd({ ...pipeline, requests, warmupRequests: 0, connections: 20, timeoutMs: 300_000 });
    });
    measured.push([concurrency, result.accepted, Math.round(result.seconds * 10) / 10, result.completedPerSecond, result.ingestionP99Ms]);
  }
  return measured;
});

printTable(
  `End to end: ${requests} delivery requests through ingestion, BullMQ on Redis, workflow and the three services; five processes on one 2-core machine, node ${process.version}`,
  ['workflow concurrency', 'accepted', 'seconds to all scheduled', 'completed deliveries/s', 'ingestion p99 ms'],
  rows,
);
