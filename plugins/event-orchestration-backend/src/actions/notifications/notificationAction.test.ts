import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import { eventOrchestrationPlugin } from '../../plugin';

jest.setTimeout(60_000);

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'my-awesome-app',
      namespace: 'default',
      annotations: { 'argocd/app-name': 'my-awesome-app' },
    },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: 'group:default/platform-team',
    },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'platform-team', namespace: 'default' },
    spec: { type: 'team', children: [] },
    relations: [{ type: 'hasMember', targetRef: 'user:default/mock' }],
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'mock', namespace: 'default' },
    spec: { memberOf: ['platform-team'] },
    relations: [{ type: 'memberOf', targetRef: 'group:default/platform-team' }],
  },
];

describe('notification:send through the real notifications backend', () => {
  it("notifies the members of the entity's owning group, linking to its Events tab", async () => {
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        notificationsPlugin,
        catalogServiceMock.factory({ entities }),
        mockServices.rootConfig.factory({
          data: { app: { baseUrl: 'http://localhost:3000' } },
        }),
      ],
    });
    const { server } = backend;
    try {
      const started = await request(server)
        .post('/api/event-orchestration/actions/notification:send/runs')
        .send({
          entityRef: 'component:default/my-awesome-app',
          input: {
            title: 'Auto-sync of my-awesome-app failed',
            severity: 'high',
          },
        });
      expect(started.status).toBe(201);

      let run: any;
      for (let i = 0; i < 100; i++) {
        run = (
          await request(server).get(
            `/api/event-orchestration/runs/${started.body.id}`,
          )
        ).body;
        if (['succeeded', 'failed'].includes(run.status)) break;
        await new Promise(r => setTimeout(r, 100));
      }
      expect(run.status).toBe('succeeded');
      expect(run.steps[0].output).toEqual({
        recipients: ['group:default/platform-team'],
      });

      const inbox = await request(server).get(
        '/api/notifications/notifications',
      );
      expect(inbox.status).toBe(200);
      expect(inbox.body.notifications).toEqual([
        expect.objectContaining({
          user: 'user:default/mock',
          payload: expect.objectContaining({
            title: 'Auto-sync of my-awesome-app failed',
            severity: 'high',
            topic: 'event-orchestration',
            link: '/catalog/default/component/my-awesome-app/events',
          }),
        }),
      ]);
    } finally {
      await backend.stop();
    }
  });
});
