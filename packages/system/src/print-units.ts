// Prints the system's units for shell scripts, one per line: name, folder, default port.
//   node packages/system/src/print-units.ts   →   package services/package 8083
import { UNITS } from './units.ts';

for (const unit of UNITS) process.stdout.write(`${unit.name} ${unit.folder} ${unit.defaultPort}\n`);
