// Benchmark: what the gateway adds to a read. GET /api/deliveries/{id} straight to the
// delivery service, and through the gateway (token verification, rate limit, ownership
// check, upstream call), in the same run. Each service is its own process on loopback.
//   pnpm --filter @dronedelivery/gateway bench        (BENCH_SECONDS=10 by default)
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@dronedelivery/service-kit/testing';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const secret = 'benchmark-secret-that-is-long-enough-for-hs256';
const main = (path: string) => fileURLToPath(new URL(`../../${path}/src/main.ts`, import.meta.url));
const children: ChildProcess[] = [];

async function start(path: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  // BENCH_PROFILE=<path> writes a CPU profile of that service to /tmp/cpuprofile on exit.
  const profile = process.env.BENCH_PROFILE === path ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cpuprofile'] : [];
  children.push(
    spawn(process.execPath, [...profile, main(path)], {
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SHUTDOWN_DELAY_MS: '0' },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  for (
    let attempt = 0;
    !(await fetch(`${base}/healthz/ready`).then(
      (r) => r.ok,
      () => false,
    ));
    attempt += 1
  ) {
    if (attempt > 100) throw new Error(`${path} did not become ready`);
    await sleep(100);
  }
  return base;
}

try {
  const delivery = await start('services/delivery', {});
  const gateway = await start('gateway', { JWT_SECRET: secret, DELIVERY_URL: delivery, RATE_LIMIT_MAX: '100000000' });
  const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
  const seeded = await fetch(`${delivery}/api/deliveries/bench-1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ownerId: 'owner-bench',
      pickup: 'my pickup',
      dropoff: 'drop off',
      pickupTime: at(60),
      packageId: 'pkg-1',
      assignment: {
        droneId: 'drone-1',
        pickupEta: at(60),
        deliveryEta: at(80),
        distanceMiles: 3,
        route: [
          { latitude: 47.6, longitude: -122.33, at: at(50) },
          { latitude: 47.62, longitude: -122.35, at: at(60) },
          { latitude: 47.65, longitude: -122.3, at: at(80) },
        ],
      },
    }),
  });
  if (!seeded.ok) throw new Error(`seeding failed: ${seeded.status} ${await seeded.text()}`);
  const token = await new SignJWT({ roles: ['customer'], owner_id: 'owner-bench' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setIssuer('https://dronedelivery.local/')
    .setAudience('api://dronedelivery')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));

  const rows = [];
  for (const [name, url, headers] of [
    ['straight to the delivery service', `${delivery}/api/deliveries/bench-1`, {}],
    ['through the gateway', `${gateway}/api/deliveries/bench-1`, { authorization: `Bearer ${token}` }],
  ] as const) {
    await autocannon({ url, headers, connections: 50, duration: 2 });
    const result = await autocannon({ url, headers, connections: 50, duration: seconds });
    rows.push({ name, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx });
  }
  console.log(`\nGET /api/deliveries/{id}, ${seconds} s each, 50 connections, loopback, LOG_LEVEL=warn, node ${process.version}\n`);
  console.log('| path | requests/s | p50 ms | p99 ms | non-2xx |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
} finally {
  for (const child of children) child.kill('SIGTERM');
}
