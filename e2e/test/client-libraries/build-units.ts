// Run by client-libraries.test.ts with record-packages.ts preloaded: builds every unit of the
// system from this process's environment, as the embedded start does, then closes them. Built,
// not started: the adapters the environment selects are loaded without a server to reach.
import { loadConfig, sharedResources } from '@dronedelivery/service-kit';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { UNIT_NAMES, unitNamed } from '@dronedelivery/system';

const shared = sharedResources();
for (const unit of UNIT_NAMES.map(unitNamed)) {
  const config = loadConfig(unit.name, unit.configSchema, process.env);
  const app = await unit.build({ config, log: capturingLogger(unit.name).log, shared });
  await app.close();
}
// The gateway's rate-limit client, whose QUIT found no connection, goes on reconnecting to the
// address where nothing listens and would keep this process alive.
process.exit(0);
