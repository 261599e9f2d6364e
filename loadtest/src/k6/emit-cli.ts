// pnpm k6:emit: writes loadtest/k6/<scenario>.ts for every load scenario, and removes the
// script of a scenario that no longer exists. With --check it writes nothing and exits 1 when
// a committed script differs from what the definitions give.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { EMIT_COMMAND, K6_DIRECTORY, k6Scripts, REPOSITORY_ROOT } from './emit.ts';

const check = process.argv.includes('--check');
const scripts = k6Scripts(REPOSITORY_ROOT);
const directory = new URL(`${K6_DIRECTORY}/`, REPOSITORY_ROOT);
const committed = readdirSync(directory)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => `${K6_DIRECTORY}/${name}`);

const read = (path: string) => {
  try {
    return readFileSync(new URL(path, REPOSITORY_ROOT), 'utf8');
  } catch {
    return undefined;
  }
};
const changed = [...scripts].filter(([path, text]) => read(path) !== text).map(([path]) => path);
const stale = committed.filter((path) => !scripts.has(path));

if (check) {
  for (const path of changed) process.stderr.write(`${path} differs from the scenario definitions\n`);
  for (const path of stale) process.stderr.write(`${path} is the script of no scenario\n`);
  if (changed.length + stale.length > 0) {
    process.stderr.write(`run \`${EMIT_COMMAND}\` and commit the result\n`);
    process.exit(1);
  }
  process.stdout.write(`${scripts.size} k6 scripts match the scenario definitions\n`);
} else {
  for (const path of changed) writeFileSync(new URL(path, REPOSITORY_ROOT), scripts.get(path) as string);
  for (const path of stale) rmSync(new URL(path, REPOSITORY_ROOT));
  process.stdout.write(
    `${scripts.size} k6 scripts in ${K6_DIRECTORY}/: ${changed.length} written, ${stale.length} removed, ${scripts.size - changed.length} unchanged\n`,
  );
}
