// The embedded system as a load target, in a process of its own (so the load generator does
// not share its event loop): free ports, a generated JWT secret, the rate limit raised for
// the one test caller. Reports the gateway URL and a customer token to its parent over IPC.
// REDIS_URL / MONGODB_URL in the environment switch the adapters to real servers, as in `pnpm start`.
import { randomBytes } from 'node:crypto';
import { startInProcess } from '@dronedelivery/fleet';
import { droneFleet } from '@dronedelivery/fleet/samples';
import { exitGracefullyOnSignals } from '@dronedelivery/service-kit';

const owner = process.argv[2] ?? 'loadtest';
const system = await startInProcess({
  env: {
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    JWT_SECRET: randomBytes(32).toString('base64'),
    // One caller sends all the load; the limit is per caller.
    RATE_LIMIT_MAX: '100000000',
    // 200 drones over the service area, so the fleet is not what a load test measures.
    FLEET_JSON: process.env.FLEET_JSON ?? JSON.stringify(droneFleet('load')),
  },
});
const token = await system.token(['customer'], owner);
process.send?.({ url: system.urls.gateway, token, adapters: system.adapters });
exitGracefullyOnSignals(system.apps.toReversed(), { SHUTDOWN_DELAY_MS: 0, DRAIN_TIMEOUT_MS: 5_000, SHUTDOWN_HARD_TIMEOUT_MS: 10_000 });
