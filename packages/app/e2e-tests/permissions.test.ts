import { APIRequestContext, expect, Page, test } from '@playwright/test';

/*
 * The example's permission policy (packages/backend/src/permissionPolicy.ts)
 * in the browser, with its two sign-ins: Alice (user:default/alice, owns
 * nothing) sees the controls of my-awesome-app disabled with the permission
 * she lacks, and the backend refuses her too; Guest (platform-team, which
 * owns my-awesome-app) uses the same controls.
 */

const BACKEND = 'http://localhost:7007';
const API = `${BACKEND}/api/event-orchestration`;
const ENTITY = 'component:default/my-awesome-app';

/** A Backstage token from one of the example's two sign-in providers. */
async function tokenOf(
  request: APIRequestContext,
  provider: 'guest' | 'example-user',
) {
  const refresh = await request.get(
    `${BACKEND}/api/auth/${provider}/refresh?env=development`,
    { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
  );
  expect(refresh.status()).toBe(200);
  return (await refresh.json()).backstageIdentity.token as string;
}

async function signInAsAlice(page: Page) {
  await page
    .getByRole('listitem')
    .filter({ hasText: 'user:default/alice' })
    .getByRole('button', { name: 'Sign In' })
    .click();
}

let failedRunId: string;

test.beforeAll(async ({ request }) => {
  await expect
    .poll(async () => (await request.get(`${API}/health`)).status(), {
      timeout: 180_000,
    })
    .toBe(200);
  const guest = await tokenOf(request, 'guest');
  // Alice signs in as a catalog user: wait until the catalog has read her.
  for (const path of [
    'component/default/my-awesome-app',
    'user/default/alice',
  ]) {
    await expect
      .poll(
        async () =>
          (
            await request.get(
              `${BACKEND}/api/catalog/entities/by-name/${path}`,
              {
                headers: { Authorization: `Bearer ${guest}` },
              },
            )
          ).status(),
        { timeout: 120_000 },
      )
      .toBe(200);
  }

  // A failed run of my-awesome-app: the guest (platform-team) asks to scale it
  // to a count that is no number, so the scale step refuses its input.
  const published = await request.post(`${API}/events`, {
    headers: { Authorization: `Bearer ${guest}` },
    data: {
      type: 'portal.remediation.requested',
      subject: 'my-awesome-app',
      entityRef: ENTITY,
      data: {
        action: 'scale',
        application: 'my-awesome-app',
        replicas: 'many',
        reason: 'e2e: a run that fails',
      },
    },
  });
  expect(published.status()).toBe(201);
  const { id: eventId } = await published.json();
  await expect
    .poll(
      async () => {
        const event = await (
          await request.get(`${API}/events/${eventId}`, {
            headers: { Authorization: `Bearer ${guest}` },
          })
        ).json();
        const run = event.runs?.[0];
        failedRunId = run?.id;
        return run?.status;
      },
      { timeout: 60_000 },
    )
    .toBe('failed');
});

test('Alice, who owns nothing, sees the controls of my-awesome-app disabled with the permission she lacks, and the backend refuses her', async ({
  page,
  request,
}) => {
  await page.goto(
    `/catalog/default/component/my-awesome-app/events?run=${failedRunId}`,
  );
  await signInAsAlice(page);

  const retry = page.getByRole('button', { name: 'Retry' }).first();
  await expect(retry).toBeVisible();
  await expect(retry).toBeDisabled();
  await expect(
    page
      .getByTitle(`Needs event-orchestration.entity.run.manage on ${ENTITY}`)
      .first(),
  ).toContainText('Retry');

  const publish = page.getByRole('button', { name: 'Publish event' });
  await expect(publish).toBeDisabled();
  await expect(
    page.getByTitle(
      `Needs event-orchestration.entity.event.create on ${ENTITY}`,
    ),
  ).toContainText('Publish event');

  const runAction = page.getByRole('button', { name: 'Run action' });
  await expect(runAction).toBeDisabled();
  await expect(
    page.getByTitle(`Needs event-orchestration.entity.run.manage on ${ENTITY}`),
  ).toHaveCount(2); // Retry's and Run action's

  // What the buttons say is what the backend does.
  const alice = await tokenOf(request, 'example-user');
  const retried = await request.post(`${API}/runs/${failedRunId}/retry`, {
    headers: { Authorization: `Bearer ${alice}` },
    data: { comment: 'e2e: Alice tries anyway' },
  });
  expect(retried.status()).toBe(403);
  const published = await request.post(`${API}/events`, {
    headers: { Authorization: `Bearer ${alice}` },
    data: {
      type: 'portal.remediation.requested',
      subject: 'my-awesome-app',
      entityRef: ENTITY,
      data: { action: 'sync', application: 'my-awesome-app', reason: 'e2e' },
    },
  });
  expect(published.status()).toBe(403);
  const ran = await request.post(`${API}/actions/log/runs`, {
    headers: { Authorization: `Bearer ${alice}` },
    data: { input: { message: 'e2e: Alice tries anyway' }, entityRef: ENTITY },
  });
  expect(ran.status()).toBe(403);
});

test('Guest, in platform-team which owns my-awesome-app, retries the run, publishes an event and runs an action from the same controls', async ({
  page,
  request,
}) => {
  await page.goto(
    `/catalog/default/component/my-awesome-app/events?run=${failedRunId}`,
  );
  await page.getByRole('button', { name: 'Enter' }).click();

  const retry = page.getByRole('button', { name: 'Retry' }).first();
  await expect(retry).toBeEnabled();
  await retry.click();
  await expect(
    page.getByText(`Run ${failedRunId.slice(0, 8)}: retried`),
  ).toBeVisible();

  await page.getByRole('button', { name: 'Publish event' }).click();
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByText(/^Published portal\.manual as /)).toBeVisible();

  // The log action, run by hand about my-awesome-app, ends as a succeeded run.
  await page.getByRole('button', { name: 'Run action' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: /^Action / }).click();
  await page.getByRole('option', { name: /^log/ }).click();
  await dialog
    .getByLabel('Input (JSON)')
    .fill('{"message": "checked by hand from the e2e test"}');
  const response = page.waitForResponse(
    r =>
      r.url().endsWith('/actions/log/runs') && r.request().method() === 'POST',
  );
  await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  expect((await response).status()).toBe(201);
  const { id: runId } = await (await response).json();
  await expect(
    page.getByText(`Started log as run ${runId.slice(0, 8)}`),
  ).toBeVisible();
  const guest = await tokenOf(request, 'guest');
  await expect
    .poll(
      async () =>
        (
          await (
            await request.get(`${API}/runs/${runId}`, {
              headers: { Authorization: `Bearer ${guest}` },
            })
          ).json()
        ).status,
      { timeout: 30_000 },
    )
    .toBe('succeeded');
});
