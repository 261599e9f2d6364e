// Benchmark: what the service kit costs per request. Runs each server variant in its
// own process, drives it with autocannon on loopback, and prints requests/s and latency.
//   pnpm --filter @dronedelivery/service-kit bench     (BENCH_SECONDS=10 by default)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const server = fileURLToPath(new URL('./hello-server.ts', import.meta.url));
const telemetry = fileURLToPath(new URL('../src/telemetry.ts', import.meta.url));

const variants = [
  { name: 'bare Fastify', args: [server, 'fastify'], env: {} },
  { name: 'kit (LOG_LEVEL=warn)', args: [server, 'kit'], env: { LOG_LEVEL: 'warn' } },
  { name: 'kit (request logs at info)', args: [server, 'kit'], env: { LOG_LEVEL: 'info' } },
  { name: 'kit + telemetry preload, no exporter', args: ['--import', telemetry, server, 'kit'], env: { LOG_LEVEL: 'warn' } },
];

interface Row {
  variant: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function measure(variant: (typeof variants)[number]): Promise<Row> {
  // The server's logs go to /dev/null: they cost what formatting them costs, not a terminal.
  const child = spawn(process.execPath, variant.args, {
    env: { ...process.env, ...variant.env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const [port] = (await once(child, 'message')) as [number];
    const url = `http://127.0.0.1:${port}/hello`;
    await autocannon({ url, connections: 50, duration: 2 }); // warm-up: JIT and connection pool
    const result = await autocannon({ url, connections: 50, pipelining: 1, duration: seconds });
    return {
      variant: variant.name,
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.non2xx,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

const rows: Row[] = [];
for (const variant of variants) rows.push(await measure(variant));
const ceiling = rows[0]?.requestsPerSecond ?? 1;
console.log(`\nHello route, ${seconds} s per variant, 50 connections, loopback, node ${process.version}\n`);
console.log('| variant | requests/s | p50 ms | p99 ms | errors | vs bare Fastify |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(
    `| ${row.variant} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.errors} | ${((row.requestsPerSecond / ceiling) * 100).toFixed(0)}% |`,
  );
}
