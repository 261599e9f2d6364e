// The values overlay `pnpm run push-images` writes: for each unit, the image charts/dronedelivery
// runs, by digest, so a release runs exactly what was pushed (and what the admission policies admit).
import { parse, stringify } from 'yaml';
import { z } from 'zod';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export const pushedImage = z.strictObject({
  registry: z.string().min(1),
  repository: z.string().regex(/^dronedelivery\/[a-z]+$/),
  digest: z.string().regex(DIGEST),
});
export type PushedImage = z.infer<typeof pushedImage>;

/** The overlay as helm reads it: unit → { image: { registry, repository, digest } }. */
export const imagesOverlay = z.record(z.string(), z.strictObject({ image: pushedImage }));
export type ImagesOverlay = z.infer<typeof imagesOverlay>;

export function overlayText(images: Record<string, PushedImage>, built: { tag: string; at: Date }): string {
  const overlay: ImagesOverlay = Object.fromEntries(
    Object.entries(images).map(([unit, image]) => [unit, { image: pushedImage.parse(image) }]),
  );
  return [
    `# Images of commit ${built.tag}, pushed ${built.at.toISOString()} by pnpm run push-images, pinned by digest.`,
    '# Pass it to helm after the other values files: -f dronedelivery-images.yaml',
    stringify(overlay),
  ].join('\n');
}

export function readOverlay(text: string): ImagesOverlay {
  return imagesOverlay.parse(parse(text));
}
