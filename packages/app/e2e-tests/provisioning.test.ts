import path from 'node:path';
import { expect, test } from '@playwright/test';

const BACKEND = 'http://localhost:7007';
const root = path.resolve(__dirname, '../../..');

test.beforeAll(async ({ request }) => {
  await expect
    .poll(
      async () =>
        (
          await request.get(`${BACKEND}/api/event-orchestration/health`)
        ).status(),
      {
        timeout: 180_000,
      },
    )
    .toBe(200);
});

/**
 * Developer self-service in the example app, through the form: the template
 * publishes portal.provisioning.requested, the app-provisioning sensor runs
 * against the example backend's Kubernetes and Git host stand-ins, and the new
 * component appears in the catalog with its own Events tab.
 */
test('provision-app-environment creates a component with its own Events tab', async ({
  page,
}) => {
  const app = `web-${Date.now().toString(36)}`;
  await page.goto('/create/templates/default/provision-app-environment');
  await page.getByRole('button', { name: 'Enter' }).click();
  // RepoUrlPicker re-renders its fields once the integrations have loaded; on a
  // busy machine that can land between two fills (once the repository name ended
  // up in Owner), so fill until the form holds what was typed.
  await expect(async () => {
    await page.getByRole('textbox', { name: 'Name' }).fill(app);
    await page.getByRole('textbox', { name: 'Owner' }).fill('acme');
    await page.getByRole('textbox', { name: 'Repository' }).fill(app);
    await expect(page.getByRole('textbox', { name: 'Owner' })).toHaveValue(
      'acme',
      { timeout: 1_000 },
    );
    await expect(page.getByRole('textbox', { name: 'Repository' })).toHaveValue(
      app,
      { timeout: 1_000 },
    );
  }).toPass({ timeout: 30_000 });
  const owner = page.getByRole('textbox', { name: 'Owning team' });
  await owner.click();
  await page.getByRole('option', { name: /platform-team/ }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();

  const newComponent = page.getByRole('link', { name: 'The new component' });
  await expect(newComponent).toBeVisible({ timeout: 90_000 });
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.screenshot({
      path: path.join(root, 'docs/screenshots/provisioning.png'),
      fullPage: true,
    });
  }
  await page.getByRole('link', { name: 'The provisioning run' }).click();
  await expect(page.getByText('app-provisioning').first()).toBeVisible();
  await expect(page.getByText('succeeded').first()).toBeVisible();

  await page.goto(`/catalog/default/component/${app}/events`);
  await expect(page.getByText('app-provisioning').first()).toBeVisible({
    timeout: 60_000,
  });
});
