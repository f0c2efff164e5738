import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(60_000);

const CI_TOKEN = 'ci-webhook-token-1234';
const ARGOCD_TOKEN = 'argocd-account-token-5678';

describe('event-orchestration backend under hostile conditions', () => {
  it('limits a webhook source’s rate with 429 and Retry-After, storing nothing over the limit', async () => {
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              sources: {
                webhooks: [
                  {
                    name: 'ci',
                    type: 'generic',
                    eventType: 'ci.image.pushed',
                    auth: { bearerToken: CI_TOKEN },
                    rateLimit: { max: 3, per: '1m' },
                  },
                ],
              },
            },
          },
        }),
      ],
    });
    try {
      const post = (tag: string, token = CI_TOKEN) =>
        request(backend.server)
          .post('/api/event-orchestration/webhooks/ci')
          .set('Authorization', `Bearer ${token}`)
          .send({ image: 'my-awesome-app', tag });
      // Strangers do not spend the sender's budget.
      for (let i = 0; i < 5; i++)
        expect((await post(`x${i}`, 'wrong-token')).status).toBe(401);
      expect([
        (await post('v1')).status,
        (await post('v2')).status,
        (await post('v3')).status,
      ]).toEqual([202, 202, 202]);
      const limited = await post('v4');
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('20');
      expect(limited.body.error.message).toBe(
        "Webhook source 'ci' allows 3 requests per 60 s; retry in 20 s",
      );
      const { body } = await request(backend.server).get(
        '/api/event-orchestration/events?type=ci.image.pushed',
      );
      expect(body.items.map((e: any) => e.event.data.tag).sort()).toEqual([
        'v1',
        'v2',
        'v3',
      ]);
    } finally {
      await backend.stop();
    }
  });

  it('never shows a configured token in any API response, even when a server echoes it back', async () => {
    // An "Argo CD" that fails and puts the credentials it got into its error.
    const echo = http.createServer((req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: 'internal',
          message: `cannot sync with credentials ${req.headers.authorization}`,
        }),
      );
    });
    await new Promise<void>(r => echo.listen(0, '127.0.0.1', r));
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              sources: {
                webhooks: [
                  {
                    name: 'ci',
                    type: 'generic',
                    eventType: 'ci.image.pushed',
                    auth: { bearerToken: CI_TOKEN },
                  },
                ],
              },
              argocd: {
                instances: [
                  {
                    name: 'prod',
                    baseUrl: `http://127.0.0.1:${
                      (echo.address() as AddressInfo).port
                    }`,
                    token: ARGOCD_TOKEN,
                  },
                ],
              },
              sensors: [
                {
                  name: 'sync-on-image',
                  dependencies: [
                    { name: 'image', eventType: 'ci.image.pushed' },
                  ],
                  workflow: {
                    steps: [
                      {
                        id: 'note',
                        action: 'log',
                        input: {
                          message: 'token in a template: ${{ event.data.tag }}',
                        },
                      },
                      {
                        id: 'sync',
                        action: 'argocd:sync',
                        input: { application: 'my-awesome-app' },
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
    try {
      const api = () => request(backend.server);
      // The sender even puts the webhook token into the payload.
      const accepted = await api()
        .post('/api/event-orchestration/webhooks/ci')
        .set('Authorization', `Bearer ${CI_TOKEN}`)
        .send({ image: 'my-awesome-app', tag: ARGOCD_TOKEN });
      expect(accepted.status).toBe(202);
      const run = await waitFor(async () => {
        const { body } = await api().get('/api/event-orchestration/runs');
        return body.items.find((r: any) => r.status === 'failed');
      }, 'the run to fail');
      expect(run.error).toBe(
        "step 'sync' failed: Argo CD prod answered 500 to POST /api/v1/applications/my-awesome-app/sync: cannot sync with credentials Bearer ***",
      );

      const responses = await Promise.all(
        [
          '/api/event-orchestration/runs',
          `/api/event-orchestration/runs/${run.id}`,
          '/api/event-orchestration/events',
          '/api/event-orchestration/sensors',
          '/api/event-orchestration/actions',
          '/api/event-orchestration/health',
        ].map(path => api().get(path)),
      );
      for (const response of responses) {
        expect(response.status).toBe(200);
        expect(response.text).not.toContain(ARGOCD_TOKEN);
        expect(response.text).not.toContain(CI_TOKEN);
      }
      // The step log line that rendered the event's data is scrubbed too.
      expect(JSON.stringify(run.steps[0].logs)).toContain(
        'token in a template: ***',
      );
    } finally {
      await backend.stop();
      await new Promise(r => echo.close(r));
    }
  });
});
