// `pnpm start`: the whole system in one process, with a banner saying how to use it.
import { exitGracefullyOnSignals } from '@dronedelivery/service-kit';
import { startSystem } from './system.ts';

const system = await startSystem({ env: process.env }).catch((error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') {
    process.stderr.write(
      `\nA port the system needs is in use (${error.message}).\nStop whatever listens on 8080-8085 (e.g. an earlier "pnpm start"), then try again.\n`,
    );
  } else {
    process.stderr.write(`\nThe system did not start: ${error.message}\n`);
  }
  process.exit(1);
});

const token = await system.token(['customer'], 'myowner');
const operator = await system.token(['operator']);
const sample =
  '{"confirmationRequired":"None","deadline":"","dropOffLocation":"drop off","expedited":true,"ownerId":"myowner","packageInfo":{"packageId":"mypackage","size":"Small","tag":"mytag","weight":10},"pickupLocation":"my pickup","pickupTime":"2019-05-08T20:00:00.000Z"}';
const inMemory = Object.entries(system.adapters).filter(([, adapter]) => adapter === 'in memory');
process.stdout.write(`
Drone Delivery is running.

  Gateway   ${system.urls.gateway}
  API docs  ${system.urls.gateway}/docs
  Adapters  ${Object.entries(system.adapters)
    .map(([name, adapter]) => `${name}: ${adapter}`)
    .join(', ')}
${inMemory.length > 0 ? `  Warning   in-memory data (${inMemory.map(([name]) => name).join(', ')}) is lost when this process exits.\n` : ''}
A development token for owner "myowner" (customer), valid 12 hours:

  export TOKEN=${token}

An operator token:  ${operator}

Create a delivery, then follow it:

  curl -i -X POST ${system.urls.gateway}/api/deliveryrequests \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '${sample}'
  curl -H "Authorization: Bearer $TOKEN" ${system.urls.gateway}/api/deliveries/<deliveryId>/details

Ctrl-C stops everything gracefully.
`);

exitGracefullyOnSignals(system.apps.toReversed(), { SHUTDOWN_DELAY_MS: 0, DRAIN_TIMEOUT_MS: 10_000, SHUTDOWN_HARD_TIMEOUT_MS: 20_000 });
