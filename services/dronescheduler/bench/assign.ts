// Benchmark: drone assignments per second with the in-memory store. The real service
// (src/main.ts) in its own process with a fleet of 200 drones, driven by autocannon on
// loopback; every request is a new delivery with its own pickup time, so each one ranks
// the fleet, reads its best candidates and books a drone compare-and-set.
//   pnpm --filter @dronedelivery/dronescheduler bench        (BENCH_SECONDS=10 by default)
import { droneRoutes } from '@dronedelivery/contracts';
import { startUnit } from '@dronedelivery/fleet';
import { measure, numbered, printTable, seconds, withProcesses } from '@dronedelivery/loadtest/bench/shared.ts';

/** Drones of four speeds, so that planning compares real alternatives. */
const fleet = Array.from({ length: 200 }, (_, i) => ({
  id: `bench-${i}`,
  base: { latitude: 47.5 + (i % 20) * 0.01, longitude: -122.4 + Math.floor(i / 20) * 0.02 },
  cruiseSpeedMph: 30 + (i % 4) * 10,
  payload: { maxSize: 'Medium', maxWeightKg: 10 },
}));
// Pickups a minute apart from tomorrow on, so that most requests find a free drone.
const start = Date.now() + 24 * 3600_000;

const result = await withProcesses(async (group) => {
  const scheduler = await startUnit(group, 'dronescheduler', { env: { FLEET_JSON: JSON.stringify(fleet) } });
  return measure(scheduler.url, [
    numbered(droneRoutes.assign, (n) => ({
      params: { deliveryId: `bench-${n}` },
      body: {
        ownerId: `owner-${n % 10}`,
        pickup: `pickup-${n % 500}`,
        dropoff: `dropoff-${n % 700}`,
        pickupTime: new Date(start + n * 60_000).toISOString(),
        expedited: n % 5 === 0,
        packageDetails: [{ id: `p-${n}`, size: 'Small', weight: 1.5 }],
      },
    })),
  ]);
});

printTable(
  `PUT /api/dronedeliveries/{id} (new assignments), 200 drones, in-memory store, ${seconds} s, 50 connections, node ${process.version}`,
  ['requests/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
  [[result.requestsPerSecond, result.p50Ms, result.p99Ms, result.non2xx, result.errors]],
);
