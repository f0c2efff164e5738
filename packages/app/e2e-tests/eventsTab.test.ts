import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

const BACKEND = 'http://localhost:7007';
const root = path.resolve(__dirname, '../../..');

/** The sample alert with fresh fingerprints, so every run of the test makes new events. */
function freshAlert() {
  const payload = JSON.parse(
    fs.readFileSync(path.join(root, 'examples/alertmanager-alert.json'), 'utf8'),
  );
  const salt = Date.now().toString(16);
  payload.alerts.forEach((alert: any, i: number) => {
    alert.fingerprint = `${salt}${i}`;
    alert.startsAt = new Date(Date.now() - (2 - i) * 60_000).toISOString();
  });
  return payload;
}

test.beforeAll(async ({ request }) => {
  // The frontend answers before the backend has loaded every plugin.
  await expect
    .poll(async () => (await request.get(`${BACKEND}/api/event-orchestration/health`)).status(), {
      timeout: 180_000,
    })
    .toBe(200);
});

test('an Alertmanager alert becomes a succeeded run on the Events tab of my-awesome-app', async ({
  page,
  request,
}) => {
  const accepted = await request.post(`${BACKEND}/api/event-orchestration/webhooks/alertmanager`, {
    headers: { Authorization: 'Bearer dev-alertmanager-token' },
    data: freshAlert(),
  });
  expect(accepted.status()).toBe(202);
  const { eventIds } = await accepted.json();
  expect(eventIds).toHaveLength(2);

  // Sign in as guest on the entity's Events tab itself: the app then shows that route.
  await page.goto('/catalog/default/component/my-awesome-app/events');
  await page.getByRole('button', { name: 'Enter' }).click();

  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await expect(page.getByText('slo-remediation').first()).toBeVisible();
  await expect(page.getByText('succeeded').first()).toBeVisible();

  // The run's steps: the request to the (stand-in) Argo CD and what it answered.
  // Runs come first on the tab, newest first: the first toggle opens our run.
  await page.getByRole('button', { name: /detail panel/i }).first().click();
  const steps = page.getByRole('list', { name: /^Steps of run / }).first();
  await expect(steps.getByText('argocd:sync')).toBeVisible();
  await expect(steps.getByText(/info syncing my-awesome-app on demo/)).toBeVisible();
  await expect(steps.getByText(/info Requested a sync of my-awesome-app; Argo CD reports Synced, health Progressing/)).toBeVisible();

  // The warning alert did not fire the sensor, and the tab says why.
  await expect(page.getByText('ArgoCdAppUnhealthy firing — Argo CD application my-awesome-app is Progressing for 10m').first()).toBeVisible();

  if (process.env.UPDATE_SCREENSHOTS) {
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.screenshot({
      path: path.join(root, 'docs/screenshots/events-tab.png'),
      fullPage: true,
    });
  }
});

test('CI announces a new image: the tag is committed to the example GitOps repository', async ({
  page,
  request,
}) => {
  const tag = `v1.${Math.floor(Date.now() / 1000) % 100000}.0`;
  const accepted = await request.post(`${BACKEND}/api/event-orchestration/webhooks/ci`, {
    headers: { Authorization: 'Bearer dev-ci-token' },
    data: { image: 'my-awesome-app', tag },
  });
  expect(accepted.status()).toBe(202);

  await page.goto('/catalog/default/component/my-awesome-app/events');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByText('deploy-new-image').first()).toBeVisible();

  // The commit is in the bare repository the example app uses as its GitOps repo.
  const gitDir = path.join(root, '.data/gitops.git');
  await expect
    .poll(
      () =>
        execFileSync('git', ['--git-dir', gitDir, 'show', 'main:apps/my-awesome-app/deployment.yaml'], {
          encoding: 'utf8',
        }),
      { timeout: 30_000 },
    )
    .toContain(`image: ghcr.io/acme/my-awesome-app:${tag}`);
  const message = execFileSync('git', ['--git-dir', gitDir, 'log', '-1', '--format=%B', 'main'], {
    encoding: 'utf8',
  });
  expect(message).toContain(`Deploy ghcr.io/acme/my-awesome-app:${tag}`);
  expect(message).toMatch(/Event-Orchestration-Run: [0-9a-f-]{36}/);
});

test('the global page lists the sensors with their counters and the bus', async ({ page }) => {
  await page.goto('/event-orchestration');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByRole('heading', { name: 'Event Orchestration' }).first()).toBeVisible();
  await page.getByRole('tab', { name: 'Sensors' }).click();
  await expect(page.getByText('slo-remediation').first()).toBeVisible();
  await expect(page.getByText('deploy-new-image').first()).toBeVisible();
  await page.getByRole('tab', { name: 'Bus' }).click();
  await expect(page.getByText('Bus: embedded, connected')).toBeVisible();
  await expect(page.getByText('sensor-engine')).toBeVisible();
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.getByRole('tab', { name: 'Sensors' }).click();
    await page.setViewportSize({ width: 1400, height: 800 });
    await page.screenshot({ path: path.join(root, 'docs/screenshots/global-page.png') });
  }
});
