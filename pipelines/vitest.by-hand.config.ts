// pnpm test:by-hand: the by-hand release of docs/deployment.md run as written (needs Docker,
// about a minute with CI's images present): apart from `pnpm test`, which runs without Docker.
import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources. Under NODE_ENV=production Vite would add the `production`
// export condition, and the workspace packages would resolve to their compiled dist/.
process.env.NODE_ENV = 'test';

export default defineConfig({
  test: {
    include: ['pipelines/test/by-hand-install.test.ts'],
    reporters: ['default', './scripts/skip-report.ts'],
    testTimeout: 60_000,
  },
});
