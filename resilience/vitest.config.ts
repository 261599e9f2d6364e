// pnpm test:resilience — the fault and abuse suite: long-running, one scenario at a time
// (each starts a whole system), kept apart from the fast `pnpm test`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['resilience/test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
