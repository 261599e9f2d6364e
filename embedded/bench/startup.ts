// Benchmark: how long `npm start` takes until the gateway is ready, and the process's
// memory (RSS) idle and after 10,000 requests through the gateway (200 new deliveries,
// each processed end to end in memory, then reads of their details). Dependencies must
// already be installed.
//   pnpm --filter @dronedelivery/embedded bench
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gatewayRoutes, pathOf } from '@dronedelivery/contracts';
import { residentMemory } from '@dronedelivery/loadtest/bench/measures.ts';
import { withProcesses } from '@dronedelivery/loadtest/bench/shared.ts';
import { runLoad } from '@dronedelivery/loadtest/src/measure.ts';
import { waitForReady } from '@dronedelivery/service-kit/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));
const requests = Number(process.env.BENCH_REQUESTS ?? 10_000);
const gateway = 'http://127.0.0.1:8080';
const rssMegabytes = (pid: number) => Math.round(residentMemory(pid)?.rssMb ?? 0);

await withProcesses(async (group) => {
  const started = performance.now();
  // Its signals reach the system it starts, as a Ctrl-C in a terminal would.
  const launcher = group.spawn('npm', ['start'], {
    cwd: root,
    inheritEnv: true,
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000' },
    tree: true,
  });
  const tokenLine = launcher.line(/export TOKEN=(\S+)/, 60_000);
  await waitForReady(gateway, { process: launcher, timeoutMs: 60_000, intervalMs: 20 });
  const readyMs = Math.round(performance.now() - started);
  const token = (await tokenLine)[1] as string;
  // The system's process: the node running embedded/src/main.ts.
  const pid = Number(execFileSync('pgrep', ['-f', 'service-kit/telemetry src/main.ts'], { encoding: 'utf8' }).trim().split('\n').at(-1));
  await sleep(2_000);
  const idle = rssMegabytes(pid);
  // 200 new deliveries (each goes through the whole flow), then reads of their details.
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const ids: string[] = [];
  for (let i = 0; i < 200; i += 1) {
    const response = await fetch(`${gateway}${gatewayRoutes.requestDelivery.url}`, {
      method: gatewayRoutes.requestDelivery.method,
      headers,
      body: JSON.stringify({
        ownerId: 'myowner',
        pickupLocation: `pickup ${i}`,
        dropOffLocation: `dropoff ${i}`,
        pickupTime: new Date(Date.now() + 3600_000 + i * 600_000).toISOString(),
        packageInfo: { packageId: `pkg-${i}`, size: 'Small', weight: 1 },
      }),
    });
    ids.push(((await response.json()) as { deliveryId: string }).deliveryId);
  }
  await sleep(2_000);
  let n = 0;
  const reads = await runLoad({
    url: gateway,
    headers,
    connections: 20,
    durationSeconds: 600,
    amount: requests - ids.length,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: pathOf(gatewayRoutes.deliveryDetails, { id: ids[n++ % ids.length] }) }),
      },
    ],
  });
  await sleep(5_000);
  const after = rssMegabytes(pid);
  console.log(`\nnpm start → gateway ready: ${readyMs} ms (dependencies installed, Node ${process.version})`);
  console.log(
    `RSS idle: ${idle} MB; after ${requests} requests (200 new deliveries, then ${reads.requests - reads.failedChecks} details reads, ${reads.failedChecks} non-2xx): ${after} MB\n`,
  );
  // Ctrl-C: the system stops gracefully.
  await launcher.kill('SIGINT');
});
