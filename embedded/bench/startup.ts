// Benchmark: how long `npm start` takes until the gateway is ready, and the process's
// memory (RSS) idle and after 10,000 requests through the gateway (200 new deliveries,
// each processed end to end in memory, then reads of their details). Dependencies must
// already be installed.
//   pnpm --filter @dronedelivery/embedded bench
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = fileURLToPath(new URL('../..', import.meta.url));
const requests = Number(process.env.BENCH_REQUESTS ?? 10_000);

function rssMegabytes(pid: number): number {
  const line =
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:')) ?? '';
  return Math.round(Number(line.replace(/\D/g, '')) / 1024);
}

const started = performance.now();
const launcher = spawn('npm', ['start'], {
  cwd: root,
  env: { ...process.env, LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
launcher.stdout.on('data', (chunk: Buffer) => {
  output += chunk.toString();
});
try {
  while (
    !(await fetch('http://127.0.0.1:8080/healthz/ready').then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (performance.now() - started > 60_000) throw new Error('the gateway was not ready within 60 s');
    await sleep(20);
  }
  const readyMs = Math.round(performance.now() - started);
  while (!output.includes('export TOKEN=')) await sleep(20);
  const token = /export TOKEN=(\S+)/.exec(output)?.[1] as string;
  // The system's process: the node running embedded/src/main.ts.
  const pid = Number(execFileSync('pgrep', ['-f', 'service-kit/telemetry src/main.ts'], { encoding: 'utf8' }).trim().split('\n').at(-1));
  await sleep(2_000);
  const idle = rssMegabytes(pid);
  // 200 new deliveries (each goes through the whole flow), then reads of their details.
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const ids: string[] = [];
  for (let i = 0; i < 200; i += 1) {
    const response = await fetch('http://127.0.0.1:8080/api/deliveryrequests', {
      method: 'POST',
      headers,
      body: JSON.stringify({
        ownerId: 'myowner',
        pickupLocation: `pickup ${i}`,
        dropOffLocation: `dropoff ${i}`,
        pickupTime: new Date(Date.now() + 3600_000 + i * 600_000).toISOString(),
        packageInfo: { packageId: `pkg-${i}`, size: 'Small', weight: 1 },
      }),
    });
    ids.push(((await response.json()) as { deliveryId: string }).deliveryId);
  }
  await sleep(2_000);
  let n = 0;
  const result = await autocannon({
    url: 'http://127.0.0.1:8080',
    connections: 20,
    amount: requests - ids.length,
    requests: [
      { method: 'GET', headers, setupRequest: (request) => ({ ...request, path: `/api/deliveries/${ids[n++ % ids.length]}/details` }) },
    ],
  });
  await sleep(5_000);
  const after = rssMegabytes(pid);
  console.log(`\nnpm start → gateway ready: ${readyMs} ms (dependencies installed, Node ${process.version})`);
  console.log(
    `RSS idle: ${idle} MB; after ${requests} requests (200 new deliveries, then ${result['2xx']} details reads, ${result.non2xx} non-2xx): ${after} MB\n`,
  );
} finally {
  launcher.kill('SIGINT');
  await sleep(1_000);
}
