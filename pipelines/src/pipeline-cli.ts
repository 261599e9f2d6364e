// pnpm pipeline <service...>: the delivery pipeline on this machine, the same stages as
// .github/workflows/service-pipeline.yml as far as no cloud is needed. Needs Docker (set up
// by .ci/docker-setup), cosign and crane (Go tools under .tools/bin, see .ci/run) and helm.
// Exits 1 when a stage fails; a stage this machine cannot run is reported as "not run".
import { rmSync } from 'node:fs';
import { run } from './commands.ts';
import { deployAndSmoke } from './deploy-smoke.ts';
import { startRegistry } from './local-registry.ts';
import { sourceRevision } from './source-revision.ts';
import { runServiceStages, type ServiceRun, throwAwayKeys } from './stages.ts';
import { SERVICE_PATHS } from './workspace.ts';

const requested = process.argv.slice(2);
const services = requested.length === 1 && requested[0] === 'all' ? Object.keys(SERVICE_PATHS) : requested;
const unknown = services.filter((service) => !(service in SERVICE_PATHS));
if (services.length === 0 || unknown.length) {
  process.stderr.write(
    `usage: pnpm pipeline <${Object.keys(SERVICE_PATHS).join('|')}...|all>${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}\n`,
  );
  process.exit(2);
}

const log = (line: string) => process.stdout.write(`${line}\n`);
await run('bash', ['.ci/docker-setup']);
const source = await sourceRevision();
const registry = await startRegistry();
const keys = await throwAwayKeys();
const runs: ServiceRun[] = [];
try {
  for (const service of services) {
    log(`\n${service}`);
    const outcome = await runServiceStages(service, { registry: registry.host, source, keys, work: keys.work });
    for (const stage of outcome.stages) log(`  ${stage.status.padEnd(7)} ${stage.stage} (${stage.seconds.toFixed(1)} s): ${stage.detail}`);
    runs.push(outcome);
  }
  const built = runs.every((outcome) => outcome.stages.every((stage) => stage.status !== 'failed'));
  if (built) {
    log('\ndeploy and smoke (all services above, the others from their last build)');
    const stages = await deployAndSmoke();
    for (const stage of stages) log(`  ${stage.status.padEnd(7)} ${stage.stage} (${stage.seconds.toFixed(1)} s): ${stage.detail}`);
    runs.push({ service: 'system', stages });
  }
} finally {
  registry.stop();
  rmSync(keys.work, { recursive: true, force: true });
}
const failed = runs.flatMap((outcome) =>
  outcome.stages.filter((stage) => stage.status === 'failed').map((stage) => `${outcome.service}: ${stage.stage}`),
);
log(failed.length ? `\nFAILED: ${failed.join(', ')}` : `\nPASSED: ${services.join(', ')}`);
process.exit(failed.length ? 1 : 0);
