// Benchmark: completed deliveries per second end to end — gateway → ingestion → BullMQ on
// Redis → workflow → package, dronescheduler and delivery — each unit its own process on
// loopback with production defaults, the three backends on their in-memory stores. Sends a
// fixed number of requests through the gateway, then waits until the workflow has scheduled
// every one (the end-to-end case of `pnpm bench`, at several workflow concurrencies).
//   pnpm --filter @dronedelivery/workflow bench   (BENCH_REQUESTS=3000, BENCH_CONCURRENCY="8 32")
import { ORIGINAL_SAMPLE } from '@dronedelivery/contracts';
import { runEndToEnd } from '@dronedelivery/loadtest/bench/end-to-end.ts';
import { runAs } from '@dronedelivery/loadtest/bench/production.ts';
import { printTable, withProcesses } from '@dronedelivery/loadtest/bench/shared.ts';
import { startSeparateSystem } from '@dronedelivery/loadtest/bench/targets.ts';

const requests = Number(process.env.BENCH_REQUESTS ?? 3000);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '8 32').split(/\s+/).map(Number);

const rows = [];
for (const concurrency of concurrencies) {
  // Fresh processes (and a fresh Redis) for each concurrency.
  const result = await withProcesses(async (group) => {
    const system = await startSeparateSystem(group, await runAs(group), concurrency);
    return runEndToEnd({
      url: system.url,
      headers: system.headers ?? {},
      ownerId: ORIGINAL_SAMPLE.ownerId,
      workflowUrl: system.workflowUrl,
      numbering: { next: 0, firstPickup: Date.now() + 3_600_000 },
      requests,
      warmupRequests: 0,
      connections: 20,
      timeoutMs: 300_000,
    });
  });
  rows.push([concurrency, result.accepted, Math.round(result.seconds * 10) / 10, result.completedPerSecond, result.requestP99Ms]);
}

printTable(
  `End to end: ${requests} delivery requests through the gateway, ingestion, BullMQ on Redis, workflow and the three services; six processes with production defaults on one machine, node ${process.version}`,
  ['workflow concurrency', 'accepted', 'seconds to all scheduled', 'completed deliveries/s', 'request p99 ms'],
  rows,
);
