// The local pipeline's deploy and smoke stages: the whole system from the images just built
// (docker-compose with local stand-ins for Redis and MongoDB), then the smoke scenario with
// its thresholds through the published gateway, as the real pipeline runs it against a dev
// namespace's ingress.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './commands.ts';
import type { StageOutcome } from './stages.ts';
import { SERVICE_PATHS } from './workspace.ts';

const compose = [
  '-p',
  'dronedelivery-pipeline',
  '-f',
  'docker-compose.yml',
  '-f',
  'compose.light.yml',
  '-f',
  '.ci/compose.ci.yml',
  '-f',
  'pipelines/compose.smoke.yml',
];

export async function deployAndSmoke(): Promise<StageOutcome[]> {
  const outcomes: StageOutcome[] = [];
  const jwtSecret = randomBytes(32).toString('base64url');
  // warn: eleven containers (the eight units, MongoDB and two Redis) share two cores here, and a JSON line per request is what the
  // smoke's latency would otherwise measure.
  const env = { JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn' };
  let started = Date.now();
  try {
    for (const service of Object.keys(SERVICE_PATHS)) {
      const present = await run('/usr/bin/docker', ['image', 'inspect', `dronedelivery/${service}:ci`], { allowFailure: true });
      if (present.status !== 0) throw new Error(`no image dronedelivery/${service}:ci: run the pipeline for ${service} too, or .ci/images`);
    }
    await run('bash', ['.ci/compose-standins']);
    await run('docker-compose', [...compose, 'up', '-d', '--no-build'], { env });
    let ready = false;
    for (let attempt = 0; attempt < 120 && !ready; attempt += 1) {
      ready = await fetch('http://127.0.0.1:8080/healthz/ready').then(
        (response) => response.ok,
        () => false,
      );
      if (!ready) await sleep(1_000);
    }
    if (!ready) throw new Error('the gateway did not become ready within 120 s');
    outcomes.push({
      stage: 'deploy',
      status: 'passed',
      detail: 'docker-compose stack of the built images, gateway ready',
      seconds: (Date.now() - started) / 1000,
    });
    started = Date.now();
    const smoke = await run('node', ['loadtest/src/scenario-cli.ts', 'smoke'], {
      // Eleven containers on one machine: latency and achieved rate say more about the machine
      // than the release, so they are reported and only the error rate gates (a pipeline
      // against a real cluster gates on every threshold).
      env: { LOADTEST_TARGET: 'http://127.0.0.1:8080', JWT_SECRET: jwtSecret, LOADTEST_GATE: 'errors' },
      allowFailure: true,
    });
    const verdict = smoke.stdout.split('\n').filter((line) => /^(overall|thresholds| {2}BREACHED| {2}over target)/.test(line));
    outcomes.push({
      stage: 'smoke',
      status: smoke.status === 0 ? 'passed' : 'failed',
      detail: verdict.join(' | ') || smoke.stderr.trim().split('\n').slice(-5).join(' '),
      seconds: (Date.now() - started) / 1000,
    });
  } catch (error) {
    outcomes.push({
      stage: outcomes.length ? 'smoke' : 'deploy',
      status: 'failed',
      detail: (error as Error).message,
      seconds: (Date.now() - started) / 1000,
    });
  } finally {
    await run('docker-compose', [...compose, 'down', '-v'], { env, allowFailure: true });
  }
  return outcomes;
}
