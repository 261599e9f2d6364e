// Benchmark: GET /api/packages/{id} requests/s with the in-memory store and with MongoDB.
// Each variant is the real service (src/main.ts) in its own process, driven by autocannon
// on loopback. MongoDB is the server at MONGODB_URL, or a FerretDB this script starts.
//   pnpm --filter @dronedelivery/package bench        (BENCH_SECONDS=10 by default)
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServiceProcess } from '@dronedelivery/service-kit/testing';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ferretdbBinary = process.env.FERRETDB_BIN ?? fileURLToPath(new URL('../../../.tools/bin/ferretdb', import.meta.url));

async function measure(name: string, env: Record<string, string>) {
  const service = await startServiceProcess(main, env);
  const base = service.url;
  try {
    const seed = await fetch(`${base}/api/packages/bench-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ownerId: 'bench-owner', size: 'Medium', weight: 4.2, tag: 'bench' }),
    });
    if (!seed.ok) throw new Error(`seeding failed: ${seed.status}`);
    const url = `${base}/api/packages/bench-1`;
    await autocannon({ url, connections: 50, duration: 2 });
    const result = await autocannon({ url, connections: 50, duration: seconds });
    return {
      variant: name,
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.non2xx,
    };
  } finally {
    service.stop();
  }
}

const rows = [await measure('in-memory store', {})];

let ferretdb: ChildProcess | undefined;
let dataDir: string | undefined;
let mongoUrl = process.env.MONGODB_URL;
if (!mongoUrl && existsSync(ferretdbBinary)) {
  dataDir = mkdtempSync(join(tmpdir(), 'bench-ferretdb-'));
  ferretdb = spawn(ferretdbBinary, ['-listen', '127.0.0.1:27117', '-dir', `${dataDir}/`], { stdio: 'ignore' });
  mongoUrl = 'mongodb://127.0.0.1:27117/';
}
if (mongoUrl) {
  rows.push(
    await measure(`MongoDB adapter (${ferretdb ? 'FerretDB on SQLite' : mongoUrl.replace(/\/\/[^@]*@/, '//')})`, {
      MONGODB_URL: mongoUrl,
      MONGODB_DATABASE: `bench_${Date.now()}`,
    }),
  );
} else {
  console.warn('No MONGODB_URL and no FerretDB binary (.tools/bin/ferretdb): MongoDB adapter not measured.');
}
ferretdb?.kill();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });

console.log(`\nGET /api/packages/{id}, ${seconds} s per variant, 50 connections, loopback, LOG_LEVEL=warn, node ${process.version}\n`);
console.log('| store | requests/s | p50 ms | p99 ms | errors |');
console.log('|---|---:|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.variant} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.errors} |`);
