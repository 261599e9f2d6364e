// Images run each unit compiled to JavaScript: every workspace package a unit runs with
// builds its src/ to dist/, each of its exports resolves there under the `production`
// condition, and each unit, built, becomes ready with the Dockerfile's command and no TypeScript.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNITS } from '../src/units.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  exports: Record<string, unknown>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}
const manifestOf = (folder: string) => JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as Manifest;

/** Every workspace package's folder, by name. */
const folders = new Map(
  ['packages', 'services']
    .flatMap((parent) => readdirSync(join(root, parent)).map((child) => `${parent}/${child}`))
    .concat('gateway', 'embedded')
    .filter((folder) => existsSync(join(root, folder, 'package.json')))
    .map((folder) => [manifestOf(folder).name, folder]),
);

/** The units and the workspace packages they run with: their production dependencies, followed through the workspace. */
function runtimeFolders(): string[] {
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
const BUILT = runtimeFolders();

/** Each package's build script, as `pnpm build` runs it: in its folder, its node_modules/.bin on the PATH. */
async function build(folder: string): Promise<void> {
  const script = manifestOf(folder).scripts?.build;
  if (!script) throw new Error(`${folder} has no build script`);
  rmSync(join(root, folder, 'dist'), { recursive: true, force: true });
  const bin = [join(root, folder, 'node_modules/.bin'), join(root, 'node_modules/.bin')].join(':');
  await promisify(execFile)('sh', ['-c', script], { cwd: join(root, folder), env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
}

beforeAll(async () => {
  await Promise.all(BUILT.map(build));
}, 120_000);

describe('the compiled packages', () => {
  it('are the six units and the shared packages they run with, not the tooling (system, fleet, embedded)', () => {
    expect(BUILT).toEqual([
      'gateway',
      'packages/contracts',
      'packages/geo',
      'packages/queue',
      'packages/redis',
      'packages/service-kit',
      'services/delivery',
      'services/dronescheduler',
      'services/ingestion',
      'services/package',
      'services/workflow',
    ]);
  });

  it.each(BUILT)('%s: every export names its dist/ file for production, or null when it is not in src/ (tests and scripts)', (folder) => {
    for (const [subpath, target] of Object.entries(manifestOf(folder).exports)) {
      const where = `${folder} exports["${subpath}"]`;
      // Node takes the first condition that matches: production must come before default.
      expect(typeof target === 'object' && target !== null ? Object.keys(target) : target, where).toEqual(['production', 'default']);
      const { production, default: source } = target as { production: string | null; default: string };
      const compiled = /^\.\/src\/(.+)\.ts$/.exec(source);
      if (!compiled) {
        expect(production, where).toBeNull();
        continue;
      }
      expect(production, where).toBe(`./dist/${compiled[1]}.js`);
      expect(existsSync(join(root, folder, production as string)), `${where}: ${production} after the build`).toBe(true);
    }
  });
});

/** The image's command, from the Dockerfile's CMD: node, its options, the entry point. */
function imageCommand(): { command: string; nodeArgs: string[]; entry: string } {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
  const [command = '', ...nodeArgs] = JSON.parse(cmd ?? '[]') as string[];
  return { command, nodeArgs: nodeArgs.slice(0, -1), entry: nodeArgs.at(-1) ?? '' };
}

describe('the units from dist/, as their images run them', () => {
  const group = new ProcessGroup();
  afterAll(() => group.stopAll());

  it('each becomes ready with type stripping turned off (loading any .ts file would fail its start)', async () => {
    const { command, nodeArgs, entry } = imageCommand();
    expect(command).toBe('node');
    expect(nodeArgs).toContain('--conditions=production');
    const started = await Promise.all(
      UNITS.map((unit) =>
        group.service(entry, {
          name: unit.name,
          cwd: join(root, unit.folder),
          nodeArgs: ['--no-experimental-strip-types', ...nodeArgs],
          env: { JWT_SECRET: 'a-compiled-test-secret-that-is-long-enough' },
        }),
      ),
    );
    const statuses = await Promise.all(started.map((service) => fetch(`${service.url}/healthz/ready`).then((response) => response.status)));
    expect(statuses).toEqual(UNITS.map(() => 200));
  }, 60_000);
});
