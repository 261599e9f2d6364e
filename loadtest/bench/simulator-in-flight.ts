// Benchmark: what flying 1,000 drones costs the simulator against the real system. The
// system runs in this process (in-memory stores) with a fleet of BENCH_DRONES drones; as
// many deliveries are requested through the gateway, so every drone is in flight; then the
// simulator runs as its own process, as `npm start` runs it (TypeScript, the telemetry
// preload at its default sampling, info logs), at SIMULATION_SPEED=1, and its CPU time is
// read from /proc for BENCH_SECONDS. Budget: 10 % of one core. Measured, not asserted.
//   node loadtest/bench/simulator-in-flight.ts          (BENCH_DRONES=1000, BENCH_SECONDS=60)
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { callOf, gatewayRoutes } from '@dronedelivery/contracts';
import { startInProcess, unitEntry } from '@dronedelivery/fleet';
import { droneFleet } from '@dronedelivery/fleet/samples';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import { parseProcStat } from './measures.ts';
import { startCollector, TELEMETRY_PRELOAD } from './production.ts';

const drones = Number(process.env.BENCH_DRONES ?? 1_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const TICKS_PER_SECOND = 100;

const group = new ProcessGroup();
const system = await startInProcess({
  env: {
    LOG_LEVEL: 'warn',
    FLEET_JSON: JSON.stringify(droneFleet('drone', drones)),
    RATE_LIMIT_MAX: '1000000',
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
  },
});

try {
  // Every drone gets a delivery: pickups near each base, drop-offs a few miles off, now.
  const customer = await system.token(['customer'], 'bench-owner');
  const requests = Array.from({ length: drones }, (_, i) => i);
  let accepted = 0;
  while (requests.length > 0) {
    await Promise.all(
      requests.splice(0, 50).map(async (i) => {
        const fleet = droneFleet('drone', drones);
        const base = fleet[i % fleet.length]?.base ?? { latitude: 47.6, longitude: -122.33 };
        const call = callOf(gatewayRoutes.requestDelivery, {
          body: {
            ownerId: 'bench-owner',
            pickupLocation: { latitude: base.latitude + 0.004, longitude: base.longitude + 0.004 },
            dropOffLocation: { latitude: 47.6 + ((i * 7) % 20) * 0.005, longitude: -122.38 + ((i * 3) % 20) * 0.005 },
            pickupTime: new Date().toISOString(),
            packageInfo: { packageId: `bench-${i}`, size: 'Small', weight: 1 },
          },
        });
        const response = await fetch(`${system.urls.gateway}${call.path}`, {
          method: call.method,
          headers: { authorization: `Bearer ${customer}`, 'content-type': 'application/json' },
          body: JSON.stringify(call.body),
        });
        if (response.status === 202) accepted += 1;
      }),
    );
  }
  const operator = await system.token(['operator']);
  const flying = async () =>
    (
      (await (
        await fetch(`${system.urls.gateway}/api/drones?state=flying`, { headers: { authorization: `Bearer ${operator}` } })
      ).json()) as { summary: { flying: number } }
    ).summary.flying;
  for (let wait = 0; wait < 120 && (await flying()) < accepted * 0.95; wait += 1) await sleep(1_000);
  const inFlight = await flying();

  const collector = await startCollector(group);
  const simulator = await group.service(unitEntry('simulator'), {
    name: 'simulator',
    nodeArgs: ['--import', TELEMETRY_PRELOAD],
    env: {
      GATEWAY_URL: system.urls.gateway,
      JWT_SECRET: system.jwtSecret,
      SIMULATION_SPEED: '1',
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    },
  });
  await sleep(5_000);
  const cpuTicks = () => parseProcStat(readFileSync(`/proc/${simulator.pid}/stat`, 'utf8'))?.cpuTicks ?? Number.NaN;
  const before = cpuTicks();
  await sleep(seconds * 1_000);
  const used = (cpuTicks() - before) / TICKS_PER_SECOND;
  const confirmed = await (await fetch(`${simulator.url}/metrics`)).text();
  const ok = /simulator_confirmations_total\{outcome="ok"\} (\d+)/.exec(confirmed)?.[1] ?? '0';
  process.stdout.write(
    `${accepted} deliveries accepted, ${inFlight} drones in flight when the simulator started (of ${drones}).\n` +
      `simulator: ${((used / seconds) * 100).toFixed(1)} % of one core over ${seconds} s at SIMULATION_SPEED=1 ` +
      `(telemetry on at the default sampling, info logs; ${ok} drop-offs confirmed meanwhile). Budget: 10 %.\n`,
  );
} finally {
  await group.stopAll();
  await system.stop();
}
