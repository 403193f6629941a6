import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/server/src/**/*.test.ts', 'apps/web/src/lib/**/*.test.ts', 'scripts/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Server suites bind ports and open databases; keep them from starving each other on 2 cores.
    maxWorkers: 2,
  },
});
