// The local pipeline's stages for one service, as far as this machine allows: build the
// image (on the locally built base), SBOM, vulnerability scan (needs an online database:
// reported as not run), push to a loopback registry by digest, sign and verify with a
// throw-away cosign key (and show a wrong key fails), attest the SBOM, render the Helm
// release by digest and check it against the admission policies.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from '@dronedelivery/charts/scripts/render.ts';
import { schemaProblems } from '@dronedelivery/charts/test/kube-schemas.ts';
import { evaluate, type KubeObject } from './admission-policy.ts';
import { run, tool } from './commands.ts';
import { policiesFor } from './policy-files.ts';
import type { SourceRevision } from './source-revision.ts';
import { buildUnitImage, ciImage, docker } from './unit-image.ts';

export interface StageOutcome {
  stage: string;
  status: 'passed' | 'failed' | 'not run';
  detail: string;
  seconds: number;
}

export interface ServiceRun {
  service: string;
  /** registry/dronedelivery/<service>@sha256:... once pushed. */
  reference?: string;
  stages: StageOutcome[];
}

const cosignEnvironment = { COSIGN_PASSWORD: '', COSIGN_YES: 'true' };
const insecure = ['--allow-http-registry', '--allow-insecure-registry'];

export interface PipelineContext {
  registry: string;
  /** The tree the images are built from: on a clean tree, CI's `dronedelivery/<service>:ci` image of this commit is reused. */
  source: SourceRevision;
  keys: { signing: string; verifying: string; wrongVerifying: string };
  work: string;
}

/** A throw-away signing key pair, and a second public key that must not verify. */
export async function throwAwayKeys(): Promise<PipelineContext['keys'] & { work: string }> {
  const work = mkdtempSync(join(tmpdir(), 'pipeline-'));
  await run(tool('cosign'), ['generate-key-pair', '--output-key-prefix', join(work, 'pipeline')], { env: cosignEnvironment });
  await run(tool('cosign'), ['generate-key-pair', '--output-key-prefix', join(work, 'stranger')], { env: cosignEnvironment });
  return { signing: join(work, 'pipeline.key'), verifying: join(work, 'pipeline.pub'), wrongVerifying: join(work, 'stranger.pub'), work };
}

async function stage(outcomes: StageOutcome[], name: string, body: () => Promise<string>): Promise<boolean> {
  const started = Date.now();
  if (outcomes.some((outcome) => outcome.status === 'failed')) {
    outcomes.push({ stage: name, status: 'not run', detail: 'an earlier stage failed', seconds: 0 });
    return false;
  }
  try {
    const detail = await body();
    outcomes.push({ stage: name, status: 'passed', detail, seconds: (Date.now() - started) / 1000 });
    return true;
  } catch (error) {
    outcomes.push({ stage: name, status: 'failed', detail: (error as Error).message, seconds: (Date.now() - started) / 1000 });
    return false;
  }
}

export async function runServiceStages(service: string, context: PipelineContext): Promise<ServiceRun> {
  const outcomes: StageOutcome[] = [];
  const repository = `${context.registry}/dronedelivery/${service}`;
  const tagged = `${repository}:${context.source.tag}`;
  const sbom = join(context.work, `${service}.cdx.json`);
  const result: ServiceRun = { service, stages: outcomes };

  await stage(outcomes, 'build', async () => {
    const image = await buildUnitImage(service, tagged, context.source);
    return image.reused
      ? `${tagged}, ${image.megabytes} MB: the image already built from this commit (${ciImage(service)}), reused`
      : `${tagged}, ${image.megabytes} MB, base node:24-bookworm-slim built locally`;
  });

  await stage(outcomes, 'sbom', async () => {
    await run('pnpm', [
      '--filter',
      `@dronedelivery/${service}`,
      'sbom',
      '--sbom-format',
      'cyclonedx',
      '--sbom-type',
      'application',
      '--prod',
      '--out',
      sbom,
    ]);
    const document = JSON.parse(readFileSync(sbom, 'utf8')) as { bomFormat: string; components?: { name: string }[] };
    const components = document.components?.length ?? 0;
    if (document.bomFormat !== 'CycloneDX' || components < 10)
      throw new Error(`unexpected SBOM: ${document.bomFormat}, ${components} components`);
    return `CycloneDX, ${components} components (pnpm sbom, production dependencies)`;
  });

  outcomes.push({
    stage: 'vulnerability scan',
    status: 'not run',
    detail:
      'needs an online vulnerability database, which this machine cannot reach; the GitHub Actions and Azure DevOps pipelines run Trivy and fail on fixable HIGH or CRITICAL findings',
    seconds: 0,
  });

  await stage(outcomes, 'push', async () => {
    await run(docker, ['push', '-q', tagged]);
    const digest = (await run(tool('crane'), ['digest', '--insecure', tagged])).stdout.trim();
    result.reference = `${repository}@${digest}`;
    return result.reference;
  });

  await stage(outcomes, 'sign and verify', async () => {
    const reference = result.reference as string;
    await run(tool('cosign'), ['sign', '--key', context.keys.signing, '--tlog-upload=false', ...insecure, reference], {
      env: cosignEnvironment,
    });
    await run(
      tool('cosign'),
      ['attest', '--key', context.keys.signing, '--type', 'cyclonedx', '--predicate', sbom, '--tlog-upload=false', ...insecure, reference],
      {
        env: cosignEnvironment,
      },
    );
    const verified = await run(tool('cosign'), [
      'verify',
      '--key',
      context.keys.verifying,
      '--insecure-ignore-tlog=true',
      ...insecure,
      reference,
    ]);
    const signatures = JSON.parse(verified.stdout) as { critical: { image: { 'docker-manifest-digest': string } } }[];
    if (!signatures.some((signature) => reference.endsWith(signature.critical.image['docker-manifest-digest'])))
      throw new Error('the verified signature is for another digest');
    await run(tool('cosign'), [
      'verify-attestation',
      '--key',
      context.keys.verifying,
      '--type',
      'cyclonedx',
      '--insecure-ignore-tlog=true',
      ...insecure,
      reference,
    ]);
    const stranger = await run(
      tool('cosign'),
      ['verify', '--key', context.keys.wrongVerifying, '--insecure-ignore-tlog=true', ...insecure, reference],
      {
        allowFailure: true,
      },
    );
    if (stranger.status === 0) throw new Error('a signature verified with a key that did not sign it');
    return 'signed and SBOM attested with a throw-away key; both verify; another key is refused';
  });

  await stage(outcomes, 'render release', async () => {
    const [registry, digest] = [(result.reference as string).split('/')[0] as string, (result.reference as string).split('@')[1] as string];
    const objects = render(service, 'production', [`image.registry=${registry}`, `image.digest=${digest}`]);
    const invalid = objects.flatMap((object) => schemaProblems(object as never).map((problem) => `${object.kind}: ${problem}`));
    if (invalid.length) throw new Error(invalid.join('\n'));
    const deployment = objects.find((object) => object.kind === 'Deployment') as unknown as KubeObject;
    const image = (deployment.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image;
    if (image !== result.reference) throw new Error(`the release runs ${image}, not ${result.reference}`);
    const admitted = policiesFor(registry).flatMap((policy) =>
      evaluate(policy, { ...deployment, metadata: { ...deployment.metadata, namespace: 'dronedelivery' } }),
    );
    const refused = admitted.filter((outcome) => outcome.result !== 'pass');
    if (refused.length)
      throw new Error(
        `the admission policies refuse it: ${refused.map((outcome) => `${outcome.rule}: ${outcome.message ?? outcome.result}`).join('; ')}`,
      );
    return `${objects.length} objects (production values) by digest; admitted by ${admitted.length} policy rules`;
  });

  return result;
}
