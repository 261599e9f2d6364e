// Builds the front end when its build is missing or older than its sources: the embedded
// start calls this before starting the console, so `npm start` never serves a stale page.
// Development only (Vite is a development dependency; images build the front end once).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const consoleRoot = fileURLToPath(new URL('../', import.meta.url));
const BUILT = join(consoleRoot, 'dist/web/index.html');
/** What the bundle is made of: the console's front end and the shared code it imports. */
const SOURCES = ['web', 'vite.config.ts', '../packages/geo/src/sphere.ts', '../packages/contracts/src/stages.ts'].map((path) =>
  join(consoleRoot, path),
);

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/** Whether dist/web is missing or older than a source. */
export function webBuildIsStale(): boolean {
  return !existsSync(BUILT) || statSync(BUILT).mtimeMs < Math.max(...SOURCES.map(newestChange));
}

/** Runs `vite build` in this process when the build is stale; resolves to whether it built. */
export async function buildWebIfStale(): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  const { build } = await import('vite');
  await build({ configFile: join(consoleRoot, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}
