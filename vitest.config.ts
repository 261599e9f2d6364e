import { configDefaults, defineConfig } from 'vitest/config';

// Tests run the TypeScript sources. Under NODE_ENV=production Vite would add the `production`
// export condition, and the workspace packages would resolve to their compiled dist/.
process.env.NODE_ENV = 'test';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'gateway/test/**/*.test.ts',
      'simulator/test/**/*.test.ts',
      'e2e/test/**/*.test.ts',
      'charts/test/**/*.test.ts',
      'loadtest/test/**/*.test.ts',
      'pipelines/test/**/*.test.ts',
      'docs/test/**/*.test.ts',
      'console/test/**/*.test.ts',
    ],
    // Needs Docker and pushes every image: pnpm test:by-hand (pipelines/vitest.by-hand.config.ts).
    exclude: [...configDefaults.exclude, 'pipelines/test/by-hand-install.test.ts'],
    // The default report, then the suites that skipped themselves and how to enable them.
    reporters: ['default', './scripts/skip-report.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
