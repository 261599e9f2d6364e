// The units as their images run them: compiled to JavaScript. Which workspace packages a unit
// runs with (its production dependencies, followed through the workspace), building them as
// `pnpm build` does, and the image's own command, read from the Dockerfile's CMD, so that a
// test or a benchmark starts a unit exactly as its container would.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UNITS, type UnitName, unitNamed } from './units.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface Manifest {
  name: string;
  exports: Record<string, unknown>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}
export const manifestOf = (folder: string) => JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as Manifest;

/** Every workspace package's folder, by name. */
function workspaceFolders(): Map<string, string> {
  return new Map(
    ['packages', 'services']
      .flatMap((parent) => readdirSync(join(root, parent)).map((child) => `${parent}/${child}`))
      .concat(...UNITS.map((unit) => unit.folder).filter((folder) => !folder.includes('/')), 'embedded')
      .filter((folder) => existsSync(join(root, folder, 'package.json')))
      .map((folder) => [manifestOf(folder).name, folder]),
  );
}

/** The units and the workspace packages they run with, sorted: what an image compiles. */
export function compiledFolders(): string[] {
  const folders = workspaceFolders();
  const found = new Set<string>();
  const visit = (folder: string) => {
    if (found.has(folder)) return;
    found.add(folder);
    for (const name of Object.keys(manifestOf(folder).dependencies ?? {})) {
      const dependency = folders.get(name);
      if (dependency) visit(dependency);
    }
  };
  for (const unit of UNITS) visit(unit.folder);
  return [...found].sort();
}

/** Runs a package's build script as `pnpm build` does: in its folder, its node_modules/.bin on the PATH, dist/ afresh. */
export async function buildFolder(folder: string): Promise<void> {
  const script = manifestOf(folder).scripts?.build;
  if (!script) throw new Error(`${folder} has no build script`);
  rmSync(join(root, folder, 'dist'), { recursive: true, force: true });
  const bin = [join(root, folder, 'node_modules/.bin'), join(root, 'node_modules/.bin')].join(':');
  await promisify(execFile)('sh', ['-c', script], { cwd: join(root, folder), env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
}

/** Builds every package the units run with. */
export async function buildCompiled(): Promise<void> {
  await Promise.all(compiledFolders().map(buildFolder));
}

/** The image's command, from the Dockerfile's CMD: node, its options, the entry point (relative to the unit's folder). */
export function imageCommand(): { command: string; nodeArgs: string[]; entry: string } {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
  const [command = '', ...nodeArgs] = JSON.parse(cmd ?? '[]') as string[];
  return { command, nodeArgs: nodeArgs.slice(0, -1), entry: nodeArgs.at(-1) ?? '' };
}

/** How to start a built unit as its image does: its folder, node's options and the entry point. */
export function compiledUnit(name: UnitName): { cwd: string; nodeArgs: string[]; entry: string } {
  const { nodeArgs, entry } = imageCommand();
  const cwd = join(root, unitNamed(name).folder);
  return { cwd, nodeArgs, entry: join(cwd, entry) };
}
