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
  // Guest's token carries platform-team only once the catalog has read the
  // example's users and groups (on a fresh example, seconds after start-up).
  await expect
    .poll(
      async () => {
        const refresh = await request.get(
          `${BACKEND}/api/auth/guest/refresh?env=development`,
          { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
        );
        return (await refresh.json()).backstageIdentity?.identity
          ?.ownershipEntityRefs;
      },
      { timeout: 120_000 },
    )
    .toContain('group:default/platform-team');
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

/** A KubePodCrashLooping alert for my-awesome-app, with a fresh fingerprint. */
function crashLoopingAlert() {
  const labels = {
    alertname: 'KubePodCrashLooping',
    app: 'my-awesome-app',
    namespace: 'prod-shop',
    severity: 'warning',
  };
  return {
    version: '4',
    groupKey: '{}:{alertname="KubePodCrashLooping"}',
    status: 'firing',
    receiver: 'event-orchestration',
    groupLabels: { alertname: 'KubePodCrashLooping' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: {
          summary: 'Pod prod-shop/my-awesome-app-5f7d-0 is crash-looping',
        },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example.com/graph',
        fingerprint: `${Date.now().toString(16)}crashloop`,
      },
    ],
  };
}

test('a crash-looping my-awesome-app waits for approval: Alice may not decide it, Guest (its owners) approves it and the Deployment is restarted', async ({
  baseURL,
  browser,
  page,
  request,
}) => {
  const guest = await tokenOf(request, 'guest');
  const accepted = await request.post(
    `${BACKEND}/api/event-orchestration/webhooks/alertmanager`,
    {
      headers: { Authorization: 'Bearer dev-alertmanager-token' },
      data: crashLoopingAlert(),
    },
  );
  expect(accepted.status()).toBe(202);
  const {
    eventIds: [eventId],
  } = await accepted.json();

  // sensors/restart-on-crashloop.yaml starts a run that parks at its approval step.
  let runId = '';
  await expect
    .poll(
      async () => {
        const event = await (
          await request.get(`${API}/events/${eventId}`, {
            headers: { Authorization: `Bearer ${guest}` },
          })
        ).json();
        runId = event.runs?.find(
          (r: { sensor: string }) => r.sensor === 'restart-on-crashloop',
        )?.id;
        if (!runId) return undefined;
        const run = await (
          await request.get(`${API}/runs/${runId}`, {
            headers: { Authorization: `Bearer ${guest}` },
          })
        ).json();
        return [run.status, run.pendingApproval?.stepId];
      },
      { timeout: 60_000 },
    )
    .toEqual(['waiting', 'approve']);
  const waiting = await (
    await request.get(`${API}/runs/${runId}`, {
      headers: { Authorization: `Bearer ${guest}` },
    })
  ).json();
  expect(waiting.entityRefs).toEqual([ENTITY]);
  expect(waiting.pendingApproval.approvers).toEqual([
    'group:default/platform-team',
  ]);

  // Alice: both decisions disabled, naming the permission she lacks.
  await page.goto(
    `/catalog/default/component/my-awesome-app/events?run=${runId}`,
  );
  await signInAsAlice(page);
  await expect(
    page.getByText(
      'Waiting for approval: Pods of my-awesome-app are crash-looping. Restart its Deployment in prod-shop?',
    ),
  ).toBeVisible();
  const approveAsAlice = page.getByRole('button', { name: 'Approve' }).first();
  const rejectAsAlice = page.getByRole('button', { name: 'Reject' }).first();
  await expect(approveAsAlice).toBeVisible();
  await expect(approveAsAlice).toBeDisabled();
  await expect(rejectAsAlice).toBeVisible();
  await expect(rejectAsAlice).toBeDisabled();
  const needsApprove = page.getByTitle(
    `Needs event-orchestration.entity.run.approve on ${ENTITY}`,
  );
  await expect(needsApprove).toHaveCount(2); // Approve's and Reject's
  await expect(needsApprove.first()).toContainText('Approve');
  await expect(needsApprove.last()).toContainText('Reject');

  // The backend refuses her as well, and the run keeps waiting.
  const alice = await tokenOf(request, 'example-user');
  const refused = await request.post(`${API}/runs/${runId}/approve`, {
    headers: { Authorization: `Bearer ${alice}` },
    data: { decision: 'approve', comment: 'e2e: Alice tries anyway' },
  });
  expect(refused.status()).toBe(403);
  expect(
    (
      await (
        await request.get(`${API}/runs/${runId}`, {
          headers: { Authorization: `Bearer ${guest}` },
        })
      ).json()
    ).status,
  ).toBe('waiting');

  // Guest, in platform-team (the owner): Approve is enabled and the run goes on.
  // The webhook started the run, so it has no actor the self-approval rule bars.
  // A browser of its own, so nothing of Alice's session is left.
  const context = await browser.newContext({ baseURL });
  const guestPage = await context.newPage();
  await guestPage.goto(
    `/catalog/default/component/my-awesome-app/events?run=${runId}`,
  );
  await guestPage.getByRole('button', { name: 'Enter' }).click();
  const approve = guestPage.getByRole('button', { name: 'Approve' }).first();
  await expect(approve).toBeEnabled();
  await guestPage
    .getByRole('textbox', { name: 'Comment' })
    .first()
    .fill('e2e: restart it');
  await approve.click();
  await expect(
    guestPage.getByText(`Run ${runId.slice(0, 8)}: approved`),
  ).toBeVisible();
  await context.close();
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
      { timeout: 60_000 },
    )
    .toBe('succeeded');
  const done = await (
    await request.get(`${API}/runs/${runId}`, {
      headers: { Authorization: `Bearer ${guest}` },
    })
  ).json();
  const restart = done.steps.find((s: { id: string }) => s.id === 'restart');
  expect(restart.status).toBe('succeeded');
  expect(done.steps[0].output).toEqual({
    decision: 'approved',
    decidedBy: 'user:default/guest',
    comment: 'e2e: restart it',
  });
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
