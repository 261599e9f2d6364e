// `pnpm start`: the whole system in one process, with a banner saying how to use it.
// PORT moves the gateway from 8080; the other units take the ports after it (see DEFAULT_PORTS).

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildWebIfStale } from '@dronedelivery/console/web-build';
import { gatewayRoutes, ORIGINAL_SAMPLE_JSON } from '@dronedelivery/contracts';
import { DEV_SECRET_FILE } from '@dronedelivery/gateway/dev-secret';
import { exitGracefullyOnSignals, loadConfigOrExit } from '@dronedelivery/service-kit';
import { z } from 'zod';
import { DEFAULT_PORTS, type ServiceName, startSystem } from './system.ts';

const settings = loadConfigOrExit(
  'embedded',
  z.object({
    PORT: z.coerce.number().int().min(1).max(65_530).default(DEFAULT_PORTS.gateway),
    DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    SHUTDOWN_HARD_TIMEOUT_MS: z.coerce.number().int().min(0).default(20_000),
  }),
);
const ports = Object.fromEntries(
  Object.entries(DEFAULT_PORTS).map(([name, port]) => [name, settings.PORT + port - DEFAULT_PORTS.gateway]),
) as Record<ServiceName, number>;
const portRange = `${Math.min(...Object.values(ports))}-${Math.max(...Object.values(ports))}`;

// The console's front end is built on first start (and after its sources change): a few seconds.
await buildWebIfStale();

const system = await startSystem({ env: process.env, ports }).catch((error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') {
    process.stderr.write(
      `\nA port the system needs is in use (${error.message}).\nStop whatever listens on ${portRange} (e.g. an earlier "pnpm start"), or set PORT to move the system, then try again.\n`,
    );
  } else {
    process.stderr.write(`\nThe system did not start: ${error.message}\n`);
  }
  process.exit(1);
});

// The generated secret is never printed: `npm run token` reads it from a file only this user can read.
if (!process.env.JWT_SECRET) {
  mkdirSync(dirname(DEV_SECRET_FILE), { recursive: true });
  writeFileSync(DEV_SECRET_FILE, system.jwtSecret, { mode: 0o600 });
  process.on('exit', () => rmSync(DEV_SECRET_FILE, { force: true }));
}

// Before the banner: a Ctrl-C as soon as it shows must stop the system gracefully, not kill it.
exitGracefullyOnSignals(system.apps.toReversed(), {
  SHUTDOWN_DELAY_MS: 0,
  DRAIN_TIMEOUT_MS: settings.DRAIN_TIMEOUT_MS,
  SHUTDOWN_HARD_TIMEOUT_MS: settings.SHUTDOWN_HARD_TIMEOUT_MS,
});

const simulationSpeed = Number(process.env.SIMULATION_SPEED ?? 1);
const token = await system.token(['customer'], 'myowner');
const operator = await system.token(['operator']);
const sample = ORIGINAL_SAMPLE_JSON;
const inMemory = Object.entries(system.adapters).filter(([, adapter]) => adapter === 'in memory');
process.stdout.write(`
Drone Delivery is running.

  Console   ${system.urls.console}   (sign in as a customer, request a delivery, watch it fly)
  Gateway   ${system.urls.gateway}
  API docs  ${system.urls.gateway}/docs
  Drones    the simulator flies them at SIMULATION_SPEED=${simulationSpeed} (${simulationSpeed === 1 ? 'real time; SIMULATION_SPEED=60 npm start makes a 10-minute flight take 10 s' : `${simulationSpeed}x real time`})
  Adapters  ${Object.entries(system.adapters)
    .map(([name, adapter]) => `${name}: ${adapter}`)
    .join(', ')}
${inMemory.length > 0 ? `  Warning   in-memory data (${inMemory.map(([name]) => name).join(', ')}) is lost when this process exits.\n` : ''}
A development token for owner "myowner" (customer), valid 12 hours:

  export TOKEN=${token}

An operator token:  ${operator}
A token for another owner:  ${process.env.JWT_SECRET ? 'JWT_SECRET=<your JWT_SECRET> ' : ''}npm run token -- --owner <owner> --role customer

Create a delivery, then follow it:

  curl -i -X POST ${system.urls.gateway}${gatewayRoutes.requestDelivery.url} \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '${sample}'
  curl -H "Authorization: Bearer $TOKEN" ${system.urls.gateway}${gatewayRoutes.deliveryDetails.url.replace(':id', '<deliveryId>')}

Ctrl-C stops everything gracefully.
`);
