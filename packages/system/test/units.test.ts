// Every place that names the system's units follows the one list: a unit missing from a
// chart, the umbrella chart, docker compose, the CI compose override, the CI triggers (GitHub
// Actions and Azure Pipelines) or its own folder's conventions fails here, with its name.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_PORTS, UNIT_NAMES, UNITS, unitNamed, urlVariable } from '../src/units.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const yaml = <T>(path: string) => parse(read(path), { merge: true }) as T;

describe('the list of units', () => {
  it('has eight units with distinct names, folders and ports, the gateway after the services it calls, the console and the simulator (which call only the gateway) last', () => {
    expect(UNIT_NAMES).toEqual(['package', 'delivery', 'dronescheduler', 'ingestion', 'workflow', 'gateway', 'console', 'simulator']);
    expect(new Set(UNITS.map((unit) => unit.folder)).size).toBe(UNITS.length);
    expect(new Set(Object.values(DEFAULT_PORTS)).size).toBe(UNITS.length);
    expect(unitNamed('delivery').folder).toBe('services/delivery');
    expect(() => unitNamed('nope')).toThrow(/no unit "nope"/);
    expect(urlVariable('dronescheduler')).toBe('DRONESCHEDULER_URL');
  });

  describe.each(UNITS.map((unit) => [unit.name, unit] as const))('%s', (name, unit) => {
    it('is a workspace package whose public export is its manifest, and whose main runs it', () => {
      const manifest = JSON.parse(read(`${unit.folder}/package.json`)) as { name: string; exports: Record<string, unknown> };
      expect(manifest.name).toBe(`@dronedelivery/${name}`);
      expect(manifest.exports['.']).toEqual({ production: './dist/service.js', default: './src/service.ts' });
      expect(read(`${unit.folder}/src/main.ts`)).toMatch(/runService\(service\)/);
    });

    it("listens by default on its manifest's port (its config schema's default)", () => {
      const config = unit.configSchema.parse({ JWT_SECRET: 'a-units-test-secret-that-is-long-enough' }) as { PORT: number };
      expect(config.PORT).toBe(unit.defaultPort);
    });

    it('has a chart of its own, in the umbrella chart, with a values schema', () => {
      expect(yaml<{ name: string }>(`charts/${name}/Chart.yaml`).name).toBe(name);
      expect(existsSync(`${root}charts/${name}/values.schema.json`)).toBe(true);
      const umbrella = yaml<{ dependencies: { name: string; repository: string }[] }>('charts/dronedelivery/Chart.yaml');
      expect(umbrella.dependencies).toContainEqual(expect.objectContaining({ name, repository: `file://../${name}` }));
    });

    it('is in docker-compose.yml built from its folder, and in the CI override as its CI image', () => {
      const compose = yaml<{ services: Record<string, { build?: { args?: { SERVICE?: string } }; image?: string }> }>('docker-compose.yml');
      expect(compose.services[name]?.build?.args?.SERVICE).toBe(unit.folder);
      const ci = yaml<{ services: Record<string, { image?: string }> }>('.ci/compose.ci.yml');
      expect(ci.services[name]?.image).toBe(`dronedelivery/${name}:ci`);
    });

    it('has its pipeline in both CI systems', () => {
      expect(existsSync(`${root}.github/workflows/${name}.yml`)).toBe(true);
      expect(existsSync(`${root}azure-pipelines/${name}.yml`)).toBe(true);
    });
  });

  it('names no unit in compose, the charts or CI that is not on the list', () => {
    const compose = yaml<{ services: Record<string, { build?: unknown }> }>('docker-compose.yml');
    const built = Object.entries(compose.services)
      .filter(([, definition]) => definition.build)
      .map(([service]) => service);
    expect(built.sort()).toEqual([...UNIT_NAMES].sort());
    const umbrella = yaml<{ dependencies: { name: string }[] }>('charts/dronedelivery/Chart.yaml');
    expect(umbrella.dependencies.map((dependency) => dependency.name).sort()).toEqual([...UNIT_NAMES].sort());
  });
});
