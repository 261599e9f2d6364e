// Benchmark: what the service kit costs per request. Runs each server variant in its
// own process, drives it with autocannon on loopback, and prints requests/s and latency.
//   pnpm --filter @dronedelivery/service-kit bench     (BENCH_SECONDS=10 by default)
import { fileURLToPath } from 'node:url';
import { measure, printTable, seconds, withProcesses } from '@dronedelivery/loadtest/bench/shared.ts';

const server = fileURLToPath(new URL('./hello-server.ts', import.meta.url));
const telemetry = fileURLToPath(new URL('../src/telemetry.ts', import.meta.url));

const variants = [
  { name: 'bare Fastify', args: [server, 'fastify'], env: {} },
  { name: 'kit (LOG_LEVEL=warn)', args: [server, 'kit'], env: { LOG_LEVEL: 'warn' } },
  { name: 'kit (request logs at info)', args: [server, 'kit'], env: { LOG_LEVEL: 'info' } },
  { name: 'kit + telemetry preload, no exporter', args: ['--import', telemetry, server, 'kit'], env: { LOG_LEVEL: 'warn' } },
];

const rows = await withProcesses(async (group) => {
  const measured = [];
  for (const variant of variants) {
    // The server's logs go to /dev/null: they cost what formatting them costs, not a terminal.
    const hello = group.node(variant.args, { name: variant.name, env: variant.env, ipc: true, logFile: '/dev/null' });
    measured.push([
      variant.name,
      await measure(`http://127.0.0.1:${await hello.message<number>()}`, [{ method: 'GET', path: '/hello' }]),
    ] as const);
    await hello.kill();
  }
  return measured;
});

const ceiling = rows[0]?.[1].requestsPerSecond ?? 1;
printTable(
  `Hello route, ${seconds} s per variant, 50 connections, loopback, node ${process.version}`,
  ['variant', 'requests/s', 'p50 ms', 'p99 ms', 'errors', 'vs bare Fastify'],
  rows.map(([variant, r]) => [
    variant,
    r.requestsPerSecond,
    r.p50Ms,
    r.p99Ms,
    r.errors + r.non2xx,
    `${((r.requestsPerSecond / ceiling) * 100).toFixed(0)}%`,
  ]),
);
