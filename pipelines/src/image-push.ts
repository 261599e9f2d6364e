// Puts one unit's image into the registry and reads the digest the registry gave it, with the
// local Docker: build (or reuse CI's image of this commit), then push. Not `az acr build`: ACR
// Tasks build without BuildKit, and the Dockerfile's RUN --mount (the build-time CA) needs it.
import { run } from './commands.ts';
import type { PushedImage } from './images-overlay.ts';
import { registryName } from './push-images-options.ts';
import type { SourceRevision } from './source-revision.ts';
import { buildUnitImage, ciImage, docker } from './unit-image.ts';

export interface PushOutcome {
  image: PushedImage;
  /** How the image was made, for the command's output. */
  detail: string;
}

const REFUSED = /unauthorized|authentication required|denied|no basic auth credentials|not logged in/i;

/** A push the registry refused says how to sign in; anything else keeps the tool's own message. */
export function refusal(registry: string, error: Error): Error {
  if (!REFUSED.test(error.message)) return error;
  return new Error(
    `the registry ${registry} refused the push: sign in first with \`az acr login --name ${registryName(registry)}\`\n${error.message}`,
  );
}

export async function pushImage(unit: string, registry: string, source: SourceRevision): Promise<PushOutcome> {
  const repository = `dronedelivery/${unit}`;
  const target = `${registry}/${repository}:${source.tag}`;
  const built = await buildUnitImage(unit, target, source);
  await run(docker, ['push', '-q', target]).catch((error: Error) => {
    throw refusal(registry, error);
  });
  // The digest the registry stored, as Docker recorded it when the push completed.
  const repoDigests = JSON.parse((await run(docker, ['image', 'inspect', target, '--format', '{{json .RepoDigests}}'])).stdout) as string[];
  const digest = repoDigests.find((entry) => entry.startsWith(`${registry}/${repository}@`))?.split('@')[1];
  if (!digest) throw new Error(`docker recorded no digest in ${registry} for ${target} after pushing it`);
  const how = built.reused ? `${ciImage(unit)} of this commit, reused` : 'built';
  return { image: { registry, repository, digest }, detail: `${how}, ${built.megabytes} MB` };
}
