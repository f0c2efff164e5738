import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  eventsServiceFactory,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import express from 'express';
import request from 'supertest';
import { eventOrchestrationPlugin } from '../plugin';

jest.setTimeout(30_000);

/** Stands for events-backend-module-github: publishes a GitHub delivery on the `github` topic. */
const githubModuleStandIn = createBackendPlugin({
  pluginId: 'publisher',
  register(env) {
    env.registerInit({
      deps: { events: eventsServiceRef, httpRouter: coreServices.httpRouter },
      async init({ events, httpRouter }) {
        const router = express.Router();
        router.post('/push', async (req, res) => {
          await events.publish({
            topic: 'github',
            eventPayload: {
              ref: 'refs/heads/main',
              repository: { full_name: 'acme/my-awesome-app' },
            },
            metadata: {
              'x-github-event': 'push',
              'x-github-delivery': String(req.query.delivery ?? 'd-42'),
            },
          });
          res.status(204).end();
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});

describe("Backstage's EventsService as a source", () => {
  it('turns events of the configured topics into ours, typed by the GitHub event', async () => {
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        githubModuleStandIn,
        // The real events service: the test backend's default one is per plugin.
        eventsServiceFactory,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              sources: { backstageEvents: [{ topic: 'github' }] },
            },
          },
        }),
      ],
    });
    try {
      expect(
        (await request(backend.server).post('/api/publisher/push')).status,
      ).toBe(204);
      let items: any[] = [];
      for (let i = 0; i < 100 && items.length === 0; i++) {
        await new Promise(r => setTimeout(r, 50));
        items = (
          await request(backend.server).get('/api/event-orchestration/events')
        ).body.items;
      }
      expect(items.map(i => i.event)).toEqual([
        expect.objectContaining({
          id: expect.stringMatching(/^backstage-github-[0-9a-f]{40}$/),
          githubdelivery: 'd-42',
          type: 'github.push',
          subject: 'acme/my-awesome-app',
          source: '/backstage-events/github',
          data: {
            ref: 'refs/heads/main',
            repository: { full_name: 'acme/my-awesome-app' },
          },
        }),
      ]);

      // The same delivery replayed under another (unsigned) delivery id is a duplicate.
      expect(
        (
          await request(backend.server).post(
            '/api/publisher/push?delivery=d-43',
          )
        ).status,
      ).toBe(204);
      await new Promise(r => setTimeout(r, 1_500));
      const after = (
        await request(backend.server).get('/api/event-orchestration/events')
      ).body.items;
      expect(after.map((i: any) => i.event.id)).toEqual([items[0].event.id]);
    } finally {
      await backend.stop();
    }
  });
});
