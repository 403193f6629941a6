import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { serverProcessEnv } from './scripts/server-process-env.mjs';

// Overridable so several checkouts can run their e2e suites side by side.
const PORT = Number(process.env.MIXROOM_E2E_PORT ?? 3123);
// Point at an already-running server (e.g. while developing) instead of starting one.
const external = process.env.MIXROOM_E2E_URL;
const baseURL = external ?? `http://127.0.0.1:${PORT}`;
// Fresh per run: the server seeds the demo song into an empty data dir on first start.
export const E2E_DATA_DIR = path.resolve(__dirname, 'test-results/e2e-data');

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/playwright',
  // Two browsers decoding and playing audio on two cores: run specs one after another.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
    viewport: { width: 1440, height: 900 },
    // A trace records every page's frames and DOM at each step: two pages' specs took 1.6–1.7× as
    // long with it (live-mix 38–41 s against 24–25 s). On when asked for, to look into a failure.
    trace: process.env.MIXROOM_E2E_TRACE ? 'retain-on-failure' : 'off',
    screenshot: 'only-on-failure',
  },
  webServer: external
    ? undefined
    : {
        // The real server on a fresh data dir, started without redoing PGlite's initdb and the demo
        // render when an earlier run did them (e2e/support/server.mts; MIXROOM_E2E_NO_CACHE=1: the slow way).
        command: 'npx tsx e2e/support/server.mts',
        url: `${baseURL}/api/auth/demo`,
        env: serverProcessEnv({ PORT: String(PORT), HOST: '127.0.0.1', DATA_DIR: E2E_DATA_DIR, LOG_LEVEL: 'info' }),
        // First start on a machine renders and stores the demo stems before listening.
        timeout: 240_000,
        reuseExistingServer: false,
        stdout: 'pipe',
        stderr: 'pipe',
      },
});
