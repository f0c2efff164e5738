import { JsonValue } from '@backstage/types';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(120_000);

const TOKEN = 'ambiguous-linking-token';

function component(name: string, owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'argocd/app-name': 'payments' },
    },
    spec: { type: 'service', lifecycle: 'production', owner },
  };
}

function group(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [] },
    // The test backend's caller is user:default/mock: it sees what either team is sent.
    relations: [{ type: 'hasMember', targetRef: 'user:default/mock' }],
  };
}

const entities: Entity[] = [
  component('payments', 'group:default/payments-team'),
  // Registered by someone else, claiming payments' Argo CD application; sorts first.
  component('aaa', 'group:default/intruders'),
  group('payments-team'),
  group('intruders'),
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'mock', namespace: 'default' },
    spec: { memberOf: ['payments-team', 'intruders'] },
  },
];

function notifySensor(
  name: string,
  extra: { entity?: string; input?: Record<string, unknown> } = {},
) {
  return {
    name,
    ...(extra.entity ? { entity: extra.entity } : {}),
    dependencies: [{ name: 'failed', eventType: 'argocd.app.sync-failed' }],
    workflow: {
      steps: [
        {
          id: 'notify',
          action: 'notification:send',
          input: { title: 'Sync of payments failed', ...extra.input },
        },
      ],
    },
  };
}

async function start(sensors: unknown[]) {
  return startTestBackend({
    features: [
      eventOrchestrationPlugin,
      notificationsPlugin,
      catalogServiceMock.factory({ entities }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          eventOrchestration: {
            sources: {
              webhooks: [
                {
                  name: 'argocd',
                  type: 'generic',
                  eventType: 'argocd.app.sync-failed',
                  subjectPath: 'app',
                  auth: { bearerToken: TOKEN },
                },
              ],
            },
            sensors: sensors as JsonValue[],
          },
        },
      }),
    ],
  });
}

type Backend = Awaited<ReturnType<typeof start>>;

/** Posts a sync failure of `payments`; the stored event once its runs exist. */
async function postPaymentsFailure(backend: Backend, runs: number) {
  const posted = await request(backend.server)
    .post('/api/event-orchestration/webhooks/argocd')
    .set('authorization', `Bearer ${TOKEN}`)
    .send({ app: 'payments' });
  expect(posted.status).toBe(202);
  const id = posted.body.eventIds[0];
  return waitFor(async () => {
    const res = await request(backend.server).get(
      `/api/event-orchestration/events/${id}`,
    );
    return res.status === 200 && res.body.runs?.length === runs
      ? res.body
      : undefined;
  }, 'the event stored with its runs');
}

async function finished(backend: Backend, runId: string) {
  return waitFor(async () => {
    const res = await request(backend.server).get(
      `/api/event-orchestration/runs/${runId}`,
    );
    return ['succeeded', 'failed'].includes(res.body.status)
      ? res.body
      : undefined;
  }, 'the run to finish');
}

async function inbox(backend: Backend) {
  const res = await request(backend.server).get(
    '/api/notifications/notifications',
  );
  expect(res.status).toBe(200);
  return res.body.notifications;
}

const BOTH = ['component:default/aaa', 'component:default/payments'];

/**
 * Finding 6 of issue 18: two entities claim one subject. The event is linked to
 * both, but a step that needs one entity (the owner to notify) refuses to guess.
 */
describe('an event whose subject several entities claim', () => {
  it('is linked to all of them, and entity-owner notifications refuse to pick one', async () => {
    // One links its run to the event's entities, one names its entity.
    const backend = await start([
      notifySensor('notify-owner'),
      notifySensor('notify-named-owner', { entity: '${{ event.subject }}' }),
    ]);
    try {
      const stored = await postPaymentsFailure(backend, 2);
      // Each owner sees it on its entity's Events tab.
      expect(stored.entityRefs).toEqual(BOTH);
      for (const { id: runId } of stored.runs) {
        const run = await finished(backend, runId);
        expect(run.entityRefs).toEqual(BOTH);
        expect(run.status).toBe('failed');
        expect(run.steps[0].error).toContain(
          'the run concerns 2: component:default/aaa, component:default/payments; refusing to guess',
        );
      }
      // Nobody was notified: neither the intruders nor a guessed owner.
      expect(await inbox(backend)).toEqual([]);
      // The Bus tab's list of conflicts names the subject and both claimants.
      const conflicts = await request(backend.server).get(
        '/api/event-orchestration/link-conflicts',
      );
      expect(conflicts.status).toBe(200);
      expect(conflicts.body.items).toEqual([
        {
          subject: 'payments',
          entityRefs: BOTH,
          events: 1,
          lastEventId: stored.event.id,
          lastSeenAt: expect.any(String),
        },
      ]);
    } finally {
      await backend.stop();
    }
  });

  it("fails a step whose template reads entity instead of using the first entity's owner", async () => {
    const backend = await start([
      {
        name: 'log-owner',
        dependencies: [{ name: 'failed', eventType: 'argocd.app.sync-failed' }],
        workflow: {
          steps: [
            {
              id: 'say-owner',
              action: 'log',
              input: { message: 'owner: ${{ entity.spec.owner }}' },
            },
          ],
        },
      },
    ]);
    try {
      const stored = await postPaymentsFailure(backend, 1);
      const run = await finished(backend, stored.runs[0].id);
      expect(run.status).toBe('failed');
      expect(run.steps[0].error).toBe(
        "step 'say-owner' uses entity needs one entity, but the run concerns 2: component:default/aaa, component:default/payments; refusing to guess (several entities may claim the event's subject)",
      );
      expect(JSON.stringify(run.steps[0])).not.toContain('intruders');
    } finally {
      await backend.stop();
    }
  });

  it('notifies named recipients without linking to either entity', async () => {
    const backend = await start([
      notifySensor('notify-user', {
        input: { recipients: { entityRefs: ['user:default/mock'] } },
      }),
    ]);
    try {
      const stored = await postPaymentsFailure(backend, 1);
      expect((await finished(backend, stored.runs[0].id)).status).toBe(
        'succeeded',
      );
      const notifications = await inbox(backend);
      expect(notifications).toHaveLength(1);
      expect(notifications[0].payload.title).toBe('Sync of payments failed');
      // Stored as null when the notification has no link.
      expect(notifications[0].payload.link ?? null).toBeNull();
    } finally {
      await backend.stop();
    }
  });
});
