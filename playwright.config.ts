/*
 * Browser tests of the example app, run by `scripts/test` after the unit tests.
 * They drive Debian's Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH) through
 * playwright-core: no browser is downloaded.
 */
import { defineConfig } from '@playwright/test';
import { generateProjects } from '@backstage/e2e-test-utils/playwright';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  timeout: 120_000,
  expect: { timeout: 30_000 },

  // The example app with its defaults (SQLite, embedded bus): frontend :3000, backend :7007.
  webServer: {
    command: 'node scripts/create-example-gitops-repo.js && yarn start',
    url: 'http://localhost:3000',
    reuseExistingServer: true,
    timeout: 300_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },

  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: [['list']],

  use: {
    actionTimeout: 30_000,
    baseURL: process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },

  outputDir: 'node_modules/.cache/e2e-test-results',

  // One project per package with an e2e-tests folder, on the system Chromium
  // instead of the Chrome channel that generateProjects() would ask for.
  projects: generateProjects().map(({ use, ...project }) => ({
    ...project,
    use: { browserName: 'chromium' as const },
  })),
});
