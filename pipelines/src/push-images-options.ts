// The command line of `pnpm run push-images`: which registry, which units, and
// where the values overlay goes. Mistakes are reported with the usage, before anything is built.
import { parseArgs } from 'node:util';
import { SERVICE_PATHS } from './workspace.ts';

export interface PushImagesOptions {
  /** The registry's host (and port): an ACR login server, name.azurecr.io. */
  registry: string;
  valuesOut: string;
  units: string[];
}

export const USAGE = `usage: pnpm run push-images --registry <host> [--values-out dronedelivery-images.yaml] [--units ${Object.keys(SERVICE_PATHS).slice(0, 2).join(',')},...]
  Builds every unit's image (or those --units names), pushes it to <host>/dronedelivery/<unit>:<commit>,
  and writes a values overlay for charts/dronedelivery that pins each image by its digest.
  Builds with the local Docker (BuildKit); for ACR, sign in first with az acr login --name <registry name>.`;

export class UsageError extends Error {}

const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;

/** The registry's name for `az acr login --name`: its login server's first label. */
export function registryName(host: string): string {
  return host.split(/[.:]/)[0] as string;
}

export function parsePushImagesOptions(argv: string[]): PushImagesOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { registry, 'values-out': valuesOut = 'dronedelivery-images.yaml', units } = parsed.values;
  if (!registry) throw new UsageError('--registry is required (an ACR login server, e.g. dronedeliveryacr.azurecr.io)');
  if (!HOST.test(registry))
    throw new UsageError(`--registry takes a registry host such as dronedeliveryacr.azurecr.io, not "${registry}" (no scheme, no path)`);
  const requested = units === undefined ? Object.keys(SERVICE_PATHS) : units.split(',').map((unit) => unit.trim());
  const unknown = requested.filter((unit) => !(unit in SERVICE_PATHS));
  if (unknown.length || requested.length === 0)
    throw new UsageError(
      `unknown unit ${unknown.map((unit) => `"${unit}"`).join(', ')}: the units are ${Object.keys(SERVICE_PATHS).join(', ')}`,
    );
  return { registry, valuesOut, units: [...new Set(requested)] };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      registry: { type: 'string' },
      'values-out': { type: 'string' },
      units: { type: 'string' },
    },
  });
}
