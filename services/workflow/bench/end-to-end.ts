// Benchmark: completed deliveries per second end to end — ingestion → BullMQ on Redis →
// workflow → package, dronescheduler and delivery — each service its own process on
// loopback, with the in-memory stores for the three backends. Sends a fixed number of
// requests with autocannon, then waits until the workflow has scheduled every one.
//   pnpm --filter @dronedelivery/workflow bench   (BENCH_REQUESTS=3000, BENCH_CONCURRENCY="8 32")
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { RedisServerProcess } from '@dronedelivery/redis/testing';
import { freePort } from '@dronedelivery/service-kit/testing';
import autocannon from 'autocannon';

const requests = Number(process.env.BENCH_REQUESTS ?? 3000);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '8 32').split(/\s+/).map(Number);
const service = (name: string) => fileURLToPath(new URL(`../../${name}/src/main.ts`, import.meta.url));

const fleet = Array.from({ length: 200 }, (_, i) => ({
  id: `bench-${i}`,
  base: { latitude: 47.5 + (i % 20) * 0.012, longitude: -122.42 + Math.floor(i / 20) * 0.02 },
  cruiseSpeedMph: 40,
  payload: { maxSize: 'Medium', maxWeightKg: 10 },
}));

const children: ChildProcess[] = [];
function start(name: string, env: Record<string, string>): void {
  children.push(
    spawn(process.execPath, [service(name)], {
      env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
}

async function ready(port: number): Promise<void> {
  for (
    let attempt = 0;
    !(await fetch(`http://127.0.0.1:${port}/healthz/ready`).then(
      (r) => r.ok,
      () => false,
    ));
    attempt += 1
  ) {
    if (attempt > 150) throw new Error(`service on ${port} did not become ready`);
    await sleep(100);
  }
}

async function scheduled(workflowPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${workflowPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('workflow_messages_processed_total{') && line.includes('outcome="delivery-scheduled"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function run(concurrency: number, redisUrl: string) {
  const ports = {
    package: await freePort(),
    delivery: await freePort(),
    dronescheduler: await freePort(),
    ingestion: await freePort(),
    workflow: await freePort(),
  };
  const queue = { REDIS_URL: redisUrl, QUEUE_PREFIX: `bench-${Date.now()}` };
  start('package', { PORT: String(ports.package) });
  start('delivery', { PORT: String(ports.delivery) });
  start('dronescheduler', { PORT: String(ports.dronescheduler), FLEET_JSON: JSON.stringify(fleet) });
  start('ingestion', { PORT: String(ports.ingestion), ...queue });
  start('workflow', {
    PORT: String(ports.workflow),
    ...queue,
    WORKFLOW_CONCURRENCY: String(concurrency),
    PACKAGE_URL: `http://127.0.0.1:${ports.package}`,
    DELIVERY_URL: `http://127.0.0.1:${ports.delivery}`,
    DRONESCHEDULER_URL: `http://127.0.0.1:${ports.dronescheduler}`,
  });
  for (const port of Object.values(ports)) await ready(port);

  let n = 0;
  const firstPickup = Date.now() + 3600_000;
  const started = performance.now();
  const sent = await autocannon({
    url: `http://127.0.0.1:${ports.ingestion}`,
    connections: 20,
    amount: requests,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const i = n++;
          const body = {
            ownerId: `owner-${i % 20}`,
            pickupLocation: `pickup ${i % 300}`,
            dropOffLocation: `dropoff ${i % 400}`,
            // Pickups 20 s apart, so that 200 drones suffice.
            pickupTime: new Date(firstPickup + i * 20_000).toISOString(),
            expedited: i % 4 === 0,
            packageInfo: { packageId: `pkg-${i}`, size: 'Small', weight: 1 + (i % 5) },
          };
          return { ...request, path: '/api/deliveryrequests', body: JSON.stringify(body) };
        },
      },
    ],
  });
  const accepted = sent['2xx'];
  while ((await scheduled(ports.workflow)) < accepted) {
    if (performance.now() - started > 300_000) throw new Error('deliveries did not complete within 5 minutes');
    await sleep(100);
  }
  const seconds = (performance.now() - started) / 1000;
  for (const child of children.splice(0)) child.kill('SIGTERM');
  await sleep(500);
  return { concurrency, accepted, seconds, perSecond: Math.round(accepted / seconds), ingestP99: sent.latency.p99 };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
const redis = process.env.REDIS_URL ? undefined : new RedisServerProcess(await freePort(), dir, 'everysec');
await redis?.start();
const redisUrl = redis?.url ?? (process.env.REDIS_URL as string);
const rows = [];
try {
  for (const concurrency of concurrencies) rows.push(await run(concurrency, redisUrl));
} finally {
  for (const child of children) child.kill('SIGKILL');
  await redis?.kill();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `\nEnd to end: ${requests} delivery requests through ingestion, BullMQ on Redis, workflow and the three services; five processes on one 2-core machine, node ${process.version}\n`,
);
console.log('| workflow concurrency | accepted | seconds to all scheduled | completed deliveries/s | ingestion p99 ms |');
console.log('|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.concurrency} | ${r.accepted} | ${r.seconds.toFixed(1)} | ${r.perSecond} | ${r.ingestP99} |`);
