// Images run each unit compiled to JavaScript: every workspace package a unit runs with
// builds its src/ to dist/, each of its exports resolves there under the `production`
// condition, and each unit, built, becomes ready with the Dockerfile's command and no TypeScript.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompiled, compiledFolders, imageCommand, manifestOf } from '../src/compiled.ts';
import { UNITS, urlVariable } from '../src/units.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const BUILT = compiledFolders();

beforeAll(async () => {
  await buildCompiled();
}, 120_000);

describe('the compiled packages', () => {
  it('are the eight units and the shared packages they run with, not the tooling (system, fleet, embedded)', () => {
    expect(BUILT).toEqual([
      'console',
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
      'simulator',
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

describe('the units from dist/, as their images run them', () => {
  const group = new ProcessGroup();
  afterAll(() => group.stopAll());

  it('each becomes ready with type stripping turned off (loading any .ts file would fail its start)', async () => {
    const { command, nodeArgs, entry } = imageCommand();
    expect(command).toBe('node');
    expect(nodeArgs).toContain('--conditions=production');
    // In start order, each told where the units before it are (the simulator is ready only
    // once it has read the fleet through the gateway, and the gateway reads the dronescheduler).
    const started: { url: string }[] = [];
    const urls: Record<string, string> = {};
    for (const unit of UNITS) {
      const service = await group.service(entry, {
        name: unit.name,
        cwd: join(root, unit.folder),
        nodeArgs: ['--no-experimental-strip-types', ...nodeArgs],
        env: { JWT_SECRET: 'a-compiled-test-secret-that-is-long-enough', ...urls },
      });
      urls[urlVariable(unit.name)] = service.url;
      started.push(service);
    }
    const statuses = await Promise.all(started.map((service) => fetch(`${service.url}/healthz/ready`).then((response) => response.status)));
    expect(statuses).toEqual(UNITS.map(() => 200));
  }, 60_000);
});
