// pnpm test:resilience — the fault and abuse suite: long-running, one scenario at a time
// (each starts a whole system), kept apart from the fast `pnpm test`.
import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources. Under NODE_ENV=production Vite would add the `production`
// export condition, and the workspace packages would resolve to their compiled dist/.
process.env.NODE_ENV = 'test';

export default defineConfig({
  test: {
    include: ['resilience/test/**/*.test.ts'],
    // A backstop against a hung process only: scenarios wait on progress (the reconciliation
    // gives up after a minute with none), so a slow or busy machine makes a run longer, not red.
    testTimeout: 3_600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
