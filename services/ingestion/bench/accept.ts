// Benchmark: accepted delivery requests per second (POST /api/deliveryrequests → 202) with
// BullMQ on Redis, and with the in-memory queue for comparison. The real service
// (src/main.ts) in its own process, driven by autocannon on loopback; Redis is the server
// at REDIS_URL, or a redis-server this script starts with AOF (appendfsync everysec), as
// production should run it.
//   pnpm --filter @dronedelivery/ingestion bench        (BENCH_SECONDS=10 by default)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '@dronedelivery/service-kit/testing';
import autocannon from 'autocannon';
import { ORIGINAL_SAMPLE } from '../test/samples.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function measure(name: string, env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (
      let attempt = 0;
      !(await fetch(`${base}/healthz/ready`).then(
        (r) => r.ok,
        () => false,
      ));
      attempt += 1
    ) {
      if (attempt > 100) throw new Error('ingestion did not become ready');
      await sleep(100);
    }
    const options = {
      url: `${base}/api/deliveryrequests`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: ORIGINAL_SAMPLE,
      connections: 50,
    };
    await autocannon({ ...options, duration: 2 });
    const result = await autocannon({ ...options, duration: seconds });
    return {
      name,
      requestsPerSecond: Math.round(result.requests.average),
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
    };
  } finally {
    child.kill('SIGTERM');
  }
}

const rows = [await measure('in-memory queue', {})];
let redis: ChildProcess | undefined;
let dir: string | undefined;
let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  redis = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  await waitForPort(port);
  redisUrl = `redis://127.0.0.1:${port}`;
}
rows.push(
  await measure(redis ? 'BullMQ on Redis 7 (AOF, appendfsync everysec)' : 'BullMQ on REDIS_URL', {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `bench-${Date.now()}`,
  }),
);
redis?.kill();
if (dir) rmSync(dir, { recursive: true, force: true });

console.log(
  `\nPOST /api/deliveryrequests (the original sample), ${seconds} s, 50 connections, loopback, LOG_LEVEL=warn, node ${process.version}\n`,
);
console.log('| queue | accepted/s | p50 ms | p99 ms | non-202 | errors |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`);
