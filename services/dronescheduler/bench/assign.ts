// Benchmark: drone assignments per second with the in-memory store. The real service
// (src/main.ts) in its own process with a fleet of 200 drones, driven by autocannon on
// loopback; every request is a new delivery with its own pickup time, so each one plans
// over the whole fleet and books a drone compare-and-set.
//   pnpm --filter @dronedelivery/dronescheduler bench        (BENCH_SECONDS=10 by default)
import { fileURLToPath } from 'node:url';
import { startServiceProcess } from '@dronedelivery/service-kit/testing';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const fleet = Array.from({ length: 200 }, (_, i) => ({
  id: `bench-${i}`,
  base: { latitude: 47.5 + (i % 20) * 0.01, longitude: -122.4 + Math.floor(i / 20) * 0.02 },
  cruiseSpeedMph: 30 + (i % 4) * 10,
  payload: { maxSize: 'Medium', maxWeightKg: 10 },
}));

const service = await startServiceProcess(main, { FLEET_JSON: JSON.stringify(fleet) });
const base = service.url;
try {
  let next = 0;
  // Pickups a minute apart from tomorrow on, so that most requests find a free drone.
  const start = Date.now() + 24 * 3600_000;
  const options: autocannon.Options = {
    url: base,
    connections: 50,
    requests: [
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const n = next++;
          const body = {
            ownerId: `owner-${n % 10}`,
            pickup: `pickup-${n % 500}`,
            dropoff: `dropoff-${n % 700}`,
            pickupTime: new Date(start + n * 60_000).toISOString(),
            expedited: n % 5 === 0,
            packageDetails: [{ id: `p-${n}`, size: 'Small', weight: 1.5 }],
          };
          return { ...request, path: `/api/dronedeliveries/bench-${n}`, body: JSON.stringify(body) };
        },
      },
    ],
  };
  await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration: seconds });
  console.log(
    `\nPUT /api/dronedeliveries/{id} (new assignments), 200 drones, in-memory store, ${seconds} s, 50 connections, node ${process.version}\n`,
  );
  console.log('| requests/s | p50 ms | p99 ms | non-2xx | errors |');
  console.log('|---:|---:|---:|---:|---:|');
  console.log(
    `| ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} | ${result.non2xx} | ${result.errors} |`,
  );
} finally {
  service.stop();
}
