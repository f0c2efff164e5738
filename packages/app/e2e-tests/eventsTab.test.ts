import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

const BACKEND = 'http://localhost:7007';
const root = path.resolve(__dirname, '../../..');

/** The sample alert with fresh fingerprints, so every run of the test makes new events. */
function freshAlert() {
  const payload = JSON.parse(
    fs.readFileSync(
      path.join(root, 'examples/alertmanager-alert.json'),
      'utf8',
    ),
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
  // Events are linked to entities when they arrive: wait until the catalog has
  // processed the example entities, as it does within seconds of a first start.
  const refresh = await request.get(
    `${BACKEND}/api/auth/guest/refresh?env=development`,
    {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    },
  );
  const token = (await refresh.json()).backstageIdentity.token;
  for (const name of ['my-awesome-app', 'billing']) {
    await expect
      .poll(
        async () =>
          (
            await request.get(
              `${BACKEND}/api/catalog/entities/by-name/component/default/${name}`,
              {
                headers: { Authorization: `Bearer ${token}` },
              },
            )
          ).status(),
        { timeout: 120_000 },
      )
      .toBe(200);
  }
});

test('an Alertmanager alert becomes a succeeded run on the Events tab of my-awesome-app', async ({
  page,
  request,
}) => {
  const accepted = await request.post(
    `${BACKEND}/api/event-orchestration/webhooks/alertmanager`,
    {
      headers: { Authorization: 'Bearer dev-alertmanager-token' },
      data: freshAlert(),
    },
  );
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
  await page
    .getByRole('button', { name: /detail panel/i })
    .first()
    .click();
  const steps = page.getByRole('list', { name: /^Steps of run / }).first();
  await expect(steps.getByText('argocd:sync')).toBeVisible();
  await expect(
    steps.getByText(/info syncing my-awesome-app on demo/),
  ).toBeVisible();
  await expect(
    steps.getByText(
      /info Requested a sync of my-awesome-app; Argo CD reports Synced, health Progressing/,
    ),
  ).toBeVisible();

  // The warning alert did not fire the sensor, and the tab says why.
  await expect(
    page
      .getByText(
        'ArgoCdAppUnhealthy firing — Argo CD application my-awesome-app is Progressing for 10m',
      )
      .first(),
  ).toBeVisible();

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
  const accepted = await request.post(
    `${BACKEND}/api/event-orchestration/webhooks/ci`,
    {
      headers: { Authorization: 'Bearer dev-ci-token' },
      data: { image: 'my-awesome-app', tag },
    },
  );
  expect(accepted.status()).toBe(202);

  await page.goto('/catalog/default/component/my-awesome-app/events');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByText('deploy-new-image').first()).toBeVisible();

  // The commit is in the bare repository the example app uses as its GitOps repo.
  const gitDir = path.join(root, '.data/gitops.git');
  await expect
    .poll(
      () =>
        execFileSync(
          'git',
          [
            '--git-dir',
            gitDir,
            'show',
            'main:apps/my-awesome-app/deployment.yaml',
          ],
          {
            encoding: 'utf8',
          },
        ),
      { timeout: 30_000 },
    )
    .toContain(`image: ghcr.io/acme/my-awesome-app:${tag}`);
  const message = execFileSync(
    'git',
    ['--git-dir', gitDir, 'log', '-1', '--format=%B', 'main'],
    {
      encoding: 'utf8',
    },
  );
  expect(message).toContain(`Deploy ghcr.io/acme/my-awesome-app:${tag}`);
  expect(message).toMatch(/Event-Orchestration-Run: [0-9a-f-]{36}/);
});

test('the global page lists the sensors with their counters, dry-runs one, and shows the bus', async ({
  page,
}) => {
  await page.goto('/event-orchestration');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page.getByRole('heading', { name: 'Event Orchestration' }).first(),
  ).toBeVisible();
  await page.getByRole('tab', { name: 'Sensors' }).click();
  await expect(page.getByText('slo-remediation').first()).toBeVisible();
  await expect(page.getByText('deploy-new-image').first()).toBeVisible();
  // A dry run of slo-remediation from the sensor's row: verdicts and rendered steps, no run.
  await page
    .getByRole('row', { name: /slo-remediation/ })
    .getByRole('button', { name: /detail panel/i })
    .click();
  const events = [
    {
      type: 'alertmanager.alert',
      subject: 'my-awesome-app',
      data: {
        status: 'firing',
        labels: {
          slo: 'argocd-application-health',
          severity: 'warning',
          app: 'my-awesome-app',
        },
      },
    },
    {
      type: 'alertmanager.alert',
      subject: 'my-awesome-app',
      data: {
        status: 'firing',
        labels: {
          slo: 'argocd-application-health',
          severity: 'critical',
          app: 'my-awesome-app',
        },
      },
    },
  ];
  await page
    .getByLabel('Events (JSON, a list is evaluated in order)')
    .fill(JSON.stringify(events));
  await page.getByRole('button', { name: 'Dry run' }).click();
  const results = page.getByRole('list', {
    name: 'Dry run results of slo-remediation',
  });
  await expect(results).toContainText(
    'labels.severity was `warning`, expected one of `critical`, `page`',
  );
  await expect(results).toContainText('step sync (argocd:sync)');
  await expect(results).toContainText('"application": "my-awesome-app"');
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.setViewportSize({ width: 1400, height: 900 });
    await results.scrollIntoViewIfNeeded();
    await page.screenshot({
      path: path.join(root, 'docs/screenshots/sensor-dry-run.png'),
    });
  }

  await page.getByRole('tab', { name: 'Bus' }).click();
  await expect(page.getByText('Bus: embedded, connected')).toBeVisible();
  await expect(page.getByText('sensor-engine')).toBeVisible();
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.getByRole('tab', { name: 'Sensors' }).click();
    await page.setViewportSize({ width: 1400, height: 800 });
    await page.screenshot({
      path: path.join(root, 'docs/screenshots/global-page.png'),
    });
  }
});

/**
 * Sets the replica count of the example apps back to 3 in the example GitOps
 * repository (adding an app that an older checkout of it lacks), so the scaling
 * test starts from the seed's state however often it ran before.
 */
function resetReplicas(apps: string[]) {
  const gitDir = path.join(root, '.data/gitops.git');
  const work = fs.mkdtempSync(path.join(root, '.data/reset-'));
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'e2e',
    GIT_AUTHOR_EMAIL: 'e2e@example.com',
    GIT_COMMITTER_NAME: 'e2e',
    GIT_COMMITTER_EMAIL: 'e2e@example.com',
  };
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: work, env, encoding: 'utf8' });
  try {
    git('clone', '--quiet', gitDir, '.');
    for (const app of apps) {
      fs.mkdirSync(path.join(work, 'apps', app), { recursive: true });
      fs.copyFileSync(
        path.join(root, 'examples/gitops/apps', app, 'deployment.yaml'),
        path.join(work, 'apps', app, 'deployment.yaml'),
      );
    }
    git('add', '-A');
    if (git('status', '--porcelain').trim()) {
      git('commit', '--quiet', '-m', 'e2e: replicas back to 3');
      git('push', '--quiet', 'origin', 'HEAD:main');
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Three HighCPU alerts for one app within five minutes, as Alertmanager groups them. */
function highCpuAlerts(app: string) {
  const salt = Date.now().toString(16);
  return {
    version: '4',
    groupKey: `{}:{alertname="HighCPU", app="${app}"}`,
    status: 'firing',
    receiver: 'event-orchestration',
    groupLabels: { alertname: 'HighCPU' },
    commonLabels: { alertname: 'HighCPU', app },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com',
    alerts: [0, 1, 2].map(i => ({
      status: 'firing',
      labels: {
        alertname: 'HighCPU',
        app,
        severity: 'warning',
        pod: `${app}-5f7d-${i}`,
      },
      annotations: { summary: `CPU above 90% on ${app}-5f7d-${i}` },
      startsAt: new Date(Date.now() - (3 - i) * 60_000).toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example.com/graph',
      fingerprint: `${salt}cpu${i}`,
    })),
  };
}

const replicasOf = (app: string) =>
  execFileSync(
    'git',
    [
      '--git-dir',
      path.join(root, '.data/gitops.git'),
      'show',
      `main:apps/${app}/deployment.yaml`,
    ],
    {
      encoding: 'utf8',
    },
  ).match(/replicas: (\d+)/)?.[1];

// The seed's second loop. The sensor cools down for 10 minutes per app, so on a
// backend that already scaled these apps within that time this test fails on purpose:
// it is meant for a fresh example (.data/ removed), as CI runs it.
test('three HighCPU alerts scale my-awesome-app from 3 to 5 in Git and sync it; for billing the sync fails and the owners are notified', async ({
  page,
  request,
}) => {
  resetReplicas(['my-awesome-app', 'billing']);
  for (const app of ['my-awesome-app', 'billing']) {
    const accepted = await request.post(
      `${BACKEND}/api/event-orchestration/webhooks/alertmanager`,
      {
        headers: { Authorization: 'Bearer dev-alertmanager-token' },
        data: highCpuAlerts(app),
      },
    );
    expect(accepted.status()).toBe(202);
  }

  // Loop (2), success: the commit to 5 replicas, then Argo CD's sync.
  await expect
    .poll(() => replicasOf('my-awesome-app'), { timeout: 30_000 })
    .toBe('5');
  const message = execFileSync(
    'git',
    [
      '--git-dir',
      path.join(root, '.data/gitops.git'),
      'log',
      '--format=%B',
      '-n',
      '5',
      'main',
    ],
    {
      encoding: 'utf8',
    },
  );
  expect(message).toContain(
    'Scale apps/my-awesome-app/deployment.yaml to +2 replicas',
  );
  await page.goto('/catalog/default/component/my-awesome-app/events');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByText('scale-on-high-cpu').first()).toBeVisible();

  // Loop (2), failure: billing is scaled in Git too, Argo CD does not know it
  // (404 three times, 5 s apart), so the onFailure steps tell the owners.
  await expect.poll(() => replicasOf('billing'), { timeout: 30_000 }).toBe('5');
  await page.goto('/catalog/default/component/billing/events');
  await expect(page.getByText('scale-on-high-cpu').first()).toBeVisible();
  await expect(page.getByText('1 of 2 succeeded; 2 onFailure ran')).toBeVisible(
    { timeout: 60_000 },
  );
  // The last event of the run (its finished event) is listed: the tab stops re-rendering.
  await expect(
    page.getByText('run of scale-on-high-cpu failed').first(),
  ).toBeVisible({ timeout: 30_000 });
  await page
    .getByRole('button', { name: /detail panel/i })
    .first()
    .click();
  const steps = page.getByRole('list', { name: /^Steps of run / }).first();
  await expect(
    steps.getByText(/applications\.argoproj\.io "billing" not found/).first(),
  ).toBeVisible();
  await expect(steps.getByText('notification:send')).toBeVisible();
  await expect(steps.getByText('event:publish')).toBeVisible();

  // The guest user is in platform-team, billing's owner: the notification is theirs.
  await page.goto('/notifications');
  await expect(
    page.getByText('Scaling billing out failed').first(),
  ).toBeVisible({ timeout: 30_000 });
});

test('the publish-event template offers the event types sensors listen to', async ({
  page,
}) => {
  await page.goto('/create/templates/default/publish-event');
  await page.getByRole('button', { name: 'Enter' }).click();
  const type = page.getByRole('textbox', { name: 'Event type' });
  await type.click();
  await type.fill('portal.');
  await expect(
    page.getByRole('option', { name: 'portal.remediation.requested' }),
  ).toBeVisible();
  await page
    .getByRole('option', { name: 'portal.remediation.requested' })
    .click();
  await expect(
    page.getByText('Sensors listening: manual-remediation'),
  ).toBeVisible();
});
