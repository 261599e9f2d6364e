// Which folders a service's pipeline must watch: its own, its chart and the library chart,
// and every workspace package it depends on, directly or through another package.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UNITS } from '@dronedelivery/system';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Each unit's folder, from its manifest: the pipeline runs per unit. */
export const SERVICE_PATHS: Record<string, string> = Object.fromEntries(UNITS.map((unit) => [unit.name, unit.folder]));

function workspaceDependencies(folder: string): string[] {
  const manifest = JSON.parse(readFileSync(`${repositoryRoot}${folder}/package.json`, 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {})
    .filter((name) => name.startsWith('@dronedelivery/'))
    .map((name) => `packages/${name.slice('@dronedelivery/'.length)}`);
}

/** The shared packages a service runs with, transitively (production dependencies only). */
export function sharedPackages(service: string): string[] {
  const found = new Set<string>();
  const visit = (folder: string) => {
    for (const dependency of workspaceDependencies(folder)) {
      if (found.has(dependency)) continue;
      found.add(dependency);
      visit(dependency);
    }
  };
  visit(SERVICE_PATHS[service] as string);
  return [...found].sort();
}

/** Folders whose change must run a service's pipeline. */
export function watchedFolders(service: string): string[] {
  return [SERVICE_PATHS[service] as string, `charts/${service}`, 'charts/common', ...sharedPackages(service)];
}
