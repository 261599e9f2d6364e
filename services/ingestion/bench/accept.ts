// Benchmark: accepted delivery requests per second (POST /api/deliveryrequests → 202) with
// BullMQ on Redis, and with the in-memory queue for comparison. The real service
// (src/main.ts) in its own process, driven by autocannon on loopback; Redis is the server
// at REDIS_URL, or a redis-server this script starts with AOF (appendfsync everysec), as
// production should run it.
//   pnpm --filter @dronedelivery/ingestion bench        (BENCH_SECONDS=10 by default)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisServerProcess } from '@dronedelivery/redis/testing';
import { freePort, startServiceProcess } from '@dronedelivery/service-kit/testing';
import autocannon from 'autocannon';
import { ORIGINAL_SAMPLE } from '../test/samples.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function measure(name: string, env: Record<string, string>) {
  const service = await startServiceProcess(main, env);
  try {
    const options = {
      url: `${service.url}/api/deliveryrequests`,
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
    service.stop();
  }
}

const rows = [await measure('in-memory queue', {})];
const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
const redis = process.env.REDIS_URL ? undefined : new RedisServerProcess(await freePort(), dir, 'everysec');
await redis?.start();
try {
  rows.push(
    await measure(redis ? 'BullMQ on Redis 7 (AOF, appendfsync everysec)' : 'BullMQ on REDIS_URL', {
      REDIS_URL: redis?.url ?? (process.env.REDIS_URL as string),
      QUEUE_PREFIX: `bench-${Date.now()}`,
    }),
  );
} finally {
  await redis?.kill();
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nPOST /api/deliveryrequests (the original sample), ${seconds} s, 50 connections, loopback, LOG_LEVEL=warn, node ${process.version}\n`,
);
console.log('| queue | accepted/s | p50 ms | p99 ms | non-202 | errors |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`);
