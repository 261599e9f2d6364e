// The front end's JavaScript as browsers download it: each bundle in dist/web/assets gzipped,
// and the total against the budget (150 KB). Run after `pnpm --filter @dronedelivery/console build`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 150 * 1024;
const assets = fileURLToPath(new URL('../dist/web/assets/', import.meta.url));

const sizes = readdirSync(assets)
  .filter((name) => name.endsWith('.js'))
  .map((name) => {
    const bytes = readFileSync(join(assets, name));
    return { name, raw: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
  });
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
for (const size of sizes) process.stdout.write(`${size.name}  ${kb(size.raw)} raw, ${kb(size.gzipped)} gzipped\n`);
const total = sizes.reduce((sum, size) => sum + size.gzipped, 0);
process.stdout.write(`total JavaScript: ${kb(total)} gzipped (budget ${kb(BUDGET_BYTES)})\n`);
if (total > BUDGET_BYTES) process.exitCode = 1;
