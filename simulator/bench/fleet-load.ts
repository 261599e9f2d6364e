// Benchmark: what flying 1,000 drones costs the simulator. A stand-in gateway in a child
// process answers GET /api/drones with 1,000 flying drones (a FleetView checked against the
// contract, drop-offs spread over 20 minutes) and 200 to every confirmation and fault; the
// simulator runs here, at speed 1, and reports this process' CPU share (process.cpuUsage).
// The budget is 10 % of one core. Measured, not asserted.
//   pnpm --filter @dronedelivery/simulator bench      (BENCH_SECONDS=30, BENCH_DRONES=1000 by default)
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, startService } from '@dronedelivery/service-kit';
import { configSchema } from '../src/config.ts';
import { service } from '../src/service.ts';
import { fleetView, flight, flyingDrone } from '../test/flights.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const droneCount = Number(process.env.BENCH_DRONES ?? 1_000);
const WARM_UP_MS = 3_000;
/** Drop-offs spread over this long from the start: about droneCount × seconds / 1,200 of them in a run. */
const SPREAD_MS = 20 * 60_000;
const LEG_MS = 5 * 60_000;

if (process.argv[2] === '--serve') serveFleet();
else await measure();

/** The stand-in gateway: the same fleet on every read, at the time of the read. */
function serveFleet(): void {
  const start = Date.now();
  const drones = Array.from({ length: droneCount }, (_, i) => {
    const dropOff = start + ((i + 0.5) / droneCount) * SPREAD_MS;
    return flyingDrone(`drone-${i}`, flight(`delivery-${i}`, dropOff - 2 * LEG_MS, LEG_MS));
  });
  const body = JSON.stringify(fleetView(drones, start));
  const [before, after] = body.split(JSON.stringify(new Date(start).toISOString())) as [string, string];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const answer = request.method === 'GET' ? `${before}${JSON.stringify(new Date().toISOString())}${after}` : '{}';
      response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

async function measure(): Promise<void> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await createInterface({ input: child.stdout })
    [Symbol.asyncIterator]()
    .next()
    .then((next) => [next.value as string]);
  const { port } = JSON.parse(line ?? '{}') as { port: number };
  const config = loadConfig('simulator', configSchema, {
    GATEWAY_URL: `http://127.0.0.1:${port}`,
    DRONE_TOKEN: 'bench.token.unchecked',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    SHUTDOWN_DELAY_MS: '0',
    SIMULATION_SPEED: '1',
    FAULT_RATE: '0.1',
  });
  const app = await startService(service, config, createLogger({ service: 'simulator', version: 'bench', level: 'warn' }));
  try {
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    const cpuBefore = process.cpuUsage();
    const began = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedMs = performance.now() - began;
    const share = (cpu.user + cpu.system) / 1_000 / elapsedMs;
    const counts = async (name: string) =>
      ((await app.metrics.registry.getSingleMetric(name)?.get())?.values ?? [])
        .filter((value) => value.labels.outcome !== undefined)
        .map((value) => `${value.labels.outcome} ${value.value}`)
        .join(', ') || 'none';
    // A histogram's values carry the name of the series they belong to (_sum, _count, _bucket).
    const ticks = ((await app.metrics.registry.getSingleMetric('simulator_tick_duration_seconds')?.get())?.values ?? []) as {
      metricName?: string;
      value: number;
    }[];
    const tickSum = ticks.find((value) => value.metricName?.endsWith('_sum'))?.value ?? 0;
    const tickCount = ticks.find((value) => value.metricName?.endsWith('_count'))?.value ?? 0;
    console.log(
      `simulator, ${droneCount} drones flying, speed 1, ${seconds} s, POLL_INTERVAL_MS=${config.POLL_INTERVAL_MS}, node ${process.version}`,
    );
    console.log(`  CPU: ${(share * 100).toFixed(1)} % of one core (budget 10 %)`);
    console.log(`  ticks: ${tickCount}, mean ${((tickSum / Math.max(1, tickCount)) * 1_000).toFixed(1)} ms`);
    console.log(`  confirmations: ${await counts('simulator_confirmations_total')}`);
    console.log(`  faults reported: ${await counts('simulator_faults_reported_total')}`);
  } finally {
    await app.close();
    child.kill('SIGTERM');
  }
}
