import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';
import { waitFor } from './__testUtils__/waitFor';
import { startFakeKubernetes } from './__testUtils__/fakeKubernetes';

jest.setTimeout(60_000);

describe('event-orchestration backend with a Kubernetes source', () => {
  it('turns a crash-looping pod’s Event into a run on the entity, and reports the watch in /health', async () => {
    const cluster = await startFakeKubernetes();
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'my-awesome-app',
                annotations: { 'backstage.io/kubernetes-id': 'my-awesome-app' },
              },
              spec: {
                type: 'service',
                lifecycle: 'production',
                owner: 'group:default/platform-team',
              },
            },
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              sources: {
                kubernetes: [
                  {
                    name: 'prod',
                    url: cluster.url,
                    serviceAccountToken: 'sa-token',
                    skipTLSVerify: true,
                  },
                ],
              },
              sensors: [
                {
                  name: 'crash-loop',
                  dependencies: [
                    {
                      name: 'backoff',
                      eventType: 'kubernetes.event',
                      filters: {
                        data: [
                          { path: 'reason', value: 'BackOff' },
                          { path: 'involvedObject.kind', value: 'Pod' },
                        ],
                      },
                    },
                  ],
                  workflow: {
                    steps: [
                      {
                        id: 'note',
                        action: 'log',
                        input: {
                          message:
                            'restarting ${{ event.data.involvedObject.name }}',
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        }),
      ],
    });
    const api = () => request(backend.server);
    try {
      cluster.apply('pods', {
        metadata: {
          name: 'my-awesome-app-5f7d-x2x9q',
          namespace: 'shop',
          labels: { 'app.kubernetes.io/name': 'my-awesome-app' },
        },
      });
      await waitFor(
        async () => (cluster.openWatches() === 1 ? true : undefined),
        'the watch',
      );
      for (const reason of ['Pulled', 'BackOff']) {
        cluster.apply('events', {
          metadata: {
            name: `my-awesome-app-5f7d-x2x9q.${reason}`,
            namespace: 'shop',
          },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Pod',
            name: 'my-awesome-app-5f7d-x2x9q',
            namespace: 'shop',
          },
          reason,
          message:
            reason === 'BackOff'
              ? 'Back-off restarting failed container'
              : 'Pulled image',
          type: reason === 'BackOff' ? 'Warning' : 'Normal',
        });
      }
      const run = await waitFor(async () => {
        const { body } = await api().get(
          '/api/event-orchestration/runs?entityRef=component:default/my-awesome-app',
        );
        return body.items.find((r: any) => r.status === 'succeeded');
      }, 'the run');
      expect(run.sensor).toBe('crash-loop');
      const { body: events } = await api().get(
        '/api/event-orchestration/events?entityRef=component:default/my-awesome-app',
      );
      expect(events.items.map((e: any) => e.event.data.reason).sort()).toEqual([
        'BackOff',
        'Pulled',
      ]);

      const { body: health } = await api().get(
        '/api/event-orchestration/health',
      );
      expect(health.watches).toEqual([
        expect.objectContaining({
          source: 'kubernetes:prod:v1/Event',
          connected: true,
        }),
      ]);
      expect(JSON.stringify(health)).not.toContain('sa-token');
    } finally {
      await backend.stop();
      await cluster.close();
    }
  });
});
