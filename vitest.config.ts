import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/server/src/**/*.test.ts', 'apps/web/src/lib/**/*.test.ts', 'scripts/*.test.ts'],
    // A timeout here only catches a hang: a test is never judged on speed (benchmarks are), and a
    // server or database process starting at load 14 took over two minutes.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    globalSetup: ['apps/server/src/test-global-setup.ts'],
    pool: 'forks',
    // Server suites bind ports and open databases; keep them from starving each other on 2 cores.
    maxWorkers: 2,
  },
});
