// Benchmark: GET /api/deliveries/{id} and PUT (new deliveries) requests/s with the
// in-memory store and with Redis. Each variant is the real service (src/main.ts) in its
// own process, driven by autocannon on loopback. Redis is the server at REDIS_URL, or a
// redis-server this script starts.
//   pnpm --filter @dronedelivery/delivery bench        (BENCH_SECONDS=10 by default)
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, startServiceProcess, waitForPort } from '@dronedelivery/service-kit/testing';
import autocannon from 'autocannon';
import { deliveryBody } from '../test/fixtures.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const body = JSON.stringify(deliveryBody());

interface Row {
  store: string;
  operation: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function run(store: string, operation: string, options: autocannon.Options): Promise<Row> {
  await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration: seconds });
  return {
    store,
    operation,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function measure(store: string, env: Record<string, string>): Promise<Row[]> {
  const service = await startServiceProcess(main, env);
  const base = service.url;
  try {
    const seeded = await fetch(`${base}/api/deliveries/bench-read`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (!seeded.ok) throw new Error(`seeding failed: ${seeded.status}`);
    let next = 0;
    return [
      await run(store, 'GET /api/deliveries/{id}', { url: `${base}/api/deliveries/bench-read`, connections: 50 }),
      await run(store, 'PUT /api/deliveries/{id} (new)', {
        url: base,
        connections: 50,
        requests: [
          {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body,
            setupRequest: (request) => ({ ...request, path: `/api/deliveries/bench-${process.pid}-${next++}` }),
          },
        ],
      }),
    ];
  } finally {
    service.stop();
  }
}

const rows = await measure('in-memory', {});
let redisServer: ChildProcess | undefined;
let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  const port = await freePort();
  redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitForPort(port);
  redisUrl = `redis://127.0.0.1:${port}`;
}
rows.push(
  ...(await measure(redisServer ? 'Redis 7 (local redis-server)' : 'Redis (REDIS_URL)', {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `bench:${Date.now()}:`,
  })),
);
redisServer?.kill();

console.log(`\nDelivery service, ${seconds} s per row, 50 connections, loopback, LOG_LEVEL=warn, node ${process.version}\n`);
console.log('| store | operation | requests/s | p50 ms | p99 ms | errors |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.store} | ${r.operation} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} |`);
