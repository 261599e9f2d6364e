// Benchmark: what the gateway adds to a read. GET /api/deliveries/{id} straight to the
// delivery service, and through the gateway (token verification, rate limit, ownership
// check, upstream call), in the same run. Each service is its own process on loopback.
//   pnpm --filter @dronedelivery/gateway bench        (BENCH_SECONDS=10 by default)
//   BENCH_PROFILE=gateway (or delivery): that one writes a CPU profile to /tmp/cpuprofile as it stops
import { deliveryRoutes, gatewayRoutes, pathOf } from '@dronedelivery/contracts';
import { startProcessFleet, type UnitName } from '@dronedelivery/fleet';
import { sampleDelivery } from '@dronedelivery/fleet/samples';
import { measure, printTable, seconds, seed, withProcesses } from '@dronedelivery/loadtest/bench/shared.ts';
import { devToken } from '../scripts/dev-token.ts';

const secret = 'benchmark-secret-that-is-long-enough-for-hs256';
const owner = 'owner-bench';
const profiled = process.env.BENCH_PROFILE?.replace(/^services\//, '') as UnitName | undefined;

const rows = await withProcesses(async (group) => {
  const { urls } = await startProcessFleet(group, {
    units: ['delivery', 'gateway'],
    envFor: { gateway: { JWT_SECRET: secret, RATE_LIMIT_MAX: '100000000' } },
    optionsFor: profiled ? { [profiled]: { nodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/cpuprofile'], graceMs: 30_000 } } : {},
  });
  await seed(urls.delivery, deliveryRoutes.schedule, { id: 'bench-1' }, sampleDelivery({ ownerId: owner }));
  const authorization = `Bearer ${await devToken({ secret, ownerId: owner, subject: 'bench', expiresIn: '1h' })}`;
  const read = (route: typeof deliveryRoutes.get) => [{ method: 'GET' as const, path: pathOf(route, { id: 'bench-1' }) }];
  return [
    ['straight to the delivery service', await measure(urls.delivery, read(deliveryRoutes.get))],
    ['through the gateway', await measure(urls.gateway, read(gatewayRoutes.delivery), { authorization })],
  ] as const;
});

printTable(
  `GET /api/deliveries/{id}, ${seconds} s each, 50 connections, loopback, LOG_LEVEL=warn, node ${process.version}`,
  ['path', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx'],
  rows.map(([path, r]) => [path, r.requestsPerSecond, r.p50Ms, r.p99Ms, r.non2xx]),
);
