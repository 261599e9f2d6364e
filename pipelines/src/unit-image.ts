// Builds one unit's image from the repository's Dockerfile as every pipeline here does
// (build arguments SERVICE and REVISION; a TLS-inspecting proxy's CA, NODE_EXTRA_CA_CERTS, as
// the extra_ca build secret), or reuses the image CI's image stage built from the same commit.
import { run } from './commands.ts';
import type { SourceRevision } from './source-revision.ts';
import { SERVICE_PATHS } from './workspace.ts';

export const docker = '/usr/bin/docker';

/** The image .ci/images builds for a unit, labelled with the commit it was built from. */
export const ciImage = (unit: string) => `dronedelivery/${unit}:ci`;

export interface UnitImage {
  /** True when the unit's :ci image was built from this commit and was tagged instead of rebuilt. */
  reused: boolean;
  megabytes: number;
}

/** The commit an image was built from (its OCI revision label), if the image exists. */
async function builtRevision(image: string): Promise<string | undefined> {
  const inspected = await run(
    docker,
    ['image', 'inspect', image, '--format', '{{index .Config.Labels "org.opencontainers.image.revision"}}'],
    {
      allowFailure: true,
    },
  );
  return inspected.status === 0 ? inspected.stdout.trim() || undefined : undefined;
}

/** Gives `target` the unit's image for this source tree; a fresh build is also tagged as the :ci image. */
export async function buildUnitImage(unit: string, target: string, source: SourceRevision): Promise<UnitImage> {
  const reused = source.clean && (await builtRevision(ciImage(unit))) === source.revision;
  if (reused) await run(docker, ['tag', ciImage(unit), target]);
  else {
    const secret = process.env.NODE_EXTRA_CA_CERTS ? ['--secret', `id=extra_ca,src=${process.env.NODE_EXTRA_CA_CERTS}`] : [];
    await run(
      docker,
      [
        'build',
        '-q',
        ...secret,
        '--build-arg',
        `SERVICE=${SERVICE_PATHS[unit]}`,
        '--build-arg',
        `REVISION=${source.revision}`,
        '-t',
        target,
        '-t',
        ciImage(unit),
        '.',
      ],
      { env: { DOCKER_BUILDKIT: '1' } },
    );
  }
  const size = (await run(docker, ['image', 'inspect', target, '--format', '{{.Size}}'])).stdout.trim();
  return { reused, megabytes: Math.round(Number(size) / 1e6) };
}
