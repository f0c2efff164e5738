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

/**
 * Finding 6 of issue 18: two entities claim one subject. The event is linked to
 * both, but a step that needs one entity (the owner to notify) refuses to guess.
 */
describe('an event whose subject several entities claim', () => {
  it('is linked to all of them, and entity-owner notifications refuse to pick one', async () => {
    const backend = await startTestBackend({
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
              // One links its run to the event's entities, one names its entity.
              sensors: [undefined, '${{ event.subject }}'].map((entity, i) => ({
                name: `notify-owner-${i}`,
                ...(entity ? { entity } : {}),
                dependencies: [
                  { name: 'failed', eventType: 'argocd.app.sync-failed' },
                ],
                workflow: {
                  steps: [
                    {
                      id: 'notify',
                      action: 'notification:send',
                      input: { title: 'Sync of payments failed' },
                    },
                  ],
                },
              })),
            },
          },
        }),
      ],
    });
    try {
      const posted = await request(backend.server)
        .post('/api/event-orchestration/webhooks/argocd')
        .set('authorization', `Bearer ${TOKEN}`)
        .send({ app: 'payments' });
      expect(posted.status).toBe(202);
      const id = posted.body.eventIds[0];

      const stored = await waitFor(async () => {
        const res = await request(backend.server).get(
          `/api/event-orchestration/events/${id}`,
        );
        return res.status === 200 && res.body.runs?.length === 2
          ? res.body
          : undefined;
      }, 'the event stored with its run');
      // Each owner sees it on its entity's Events tab.
      expect(stored.entityRefs).toEqual([
        'component:default/aaa',
        'component:default/payments',
      ]);

      for (const { id: runId } of stored.runs) {
        const run = await waitFor(async () => {
          const res = await request(backend.server).get(
            `/api/event-orchestration/runs/${runId}`,
          );
          return ['succeeded', 'failed'].includes(res.body.status)
            ? res.body
            : undefined;
        }, 'the run to finish');
        expect(run.entityRefs).toEqual([
          'component:default/aaa',
          'component:default/payments',
        ]);
        expect(run.status).toBe('failed');
        expect(run.steps[0].error).toContain(
          'the run concerns 2: component:default/aaa, component:default/payments; refusing to guess',
        );
      }

      // Nobody was notified: neither the intruders nor a guessed owner.
      const inbox = await request(backend.server).get(
        '/api/notifications/notifications',
      );
      expect(inbox.status).toBe(200);
      expect(inbox.body.notifications).toEqual([]);
    } finally {
      await backend.stop();
    }
  });
});
