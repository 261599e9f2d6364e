// Preloaded into a child process (`node --import`) by client-libraries.test.ts: as the process
// exits, writes to stderr the packages it loaded, on one line after "packages loaded: ".
//
// A resolve hook (module.registerHooks, in this thread) is called for every module the process
// resolves, by import or by require, in ES modules and CommonJS alike, and it is registered
// before the entry point is resolved, so nothing loads unseen. require.cache would miss ES
// modules, and process.moduleLoadList lists only Node's own modules.
import { writeSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = new Set<string>();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    // A file's package is what follows its last node_modules/ (pnpm nests one in another).
    const name = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url)?.[1];
    if (name) loaded.add(name);
    return resolved;
  },
});

// Synchronous: nothing asynchronous runs once the process is exiting.
process.on('exit', () => writeSync(2, `packages loaded: ${JSON.stringify([...loaded].sort())}\n`));
