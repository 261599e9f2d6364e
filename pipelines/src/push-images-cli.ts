// pnpm run push-images --registry <host> [--values-out FILE] [--units a,b]:
// every unit's image built from this commit, pushed to the registry, and a values overlay for
// charts/dronedelivery that pins each one by digest (the by-hand release in docs/deployment.md).
// Exits 2 on a usage mistake, 1 when a build or push fails (nothing is written then).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pushImage } from './image-push.ts';
import { overlayText, type PushedImage } from './images-overlay.ts';
import { parsePushImagesOptions, USAGE, UsageError } from './push-images-options.ts';
import { sourceRevision } from './source-revision.ts';

const log = (line: string) => process.stdout.write(`${line}\n`);

let options: ReturnType<typeof parsePushImagesOptions>;
try {
  options = parsePushImagesOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n${USAGE}\n`);
  process.exit(2);
}

const source = await sourceRevision();
if (!source.clean) log(`The working tree has changes that are not committed: the images are built from it and tagged ${source.tag}.`);
const images: Record<string, PushedImage> = {};
try {
  for (const unit of options.units) {
    const pushed = await pushImage(unit, options.registry, source);
    images[unit] = pushed.image;
    log(`${unit.padEnd(15)} ${pushed.image.registry}/${pushed.image.repository}@${pushed.image.digest} (${pushed.detail})`);
  }
} catch (error) {
  process.stderr.write(`push-images: ${(error as Error).message}\n`);
  process.exit(1);
}
const file = resolve(options.valuesOut);
writeFileSync(file, overlayText(images, { tag: source.tag, at: new Date() }));
log(`${file}: ${options.units.length} images of ${source.tag} by digest, for helm -f`);
