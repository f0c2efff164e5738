import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { eventOrchestrationPlugin } from '../../plugin';
import { waitFor } from '../../__testUtils__/waitFor';

jest.setTimeout(60_000);

/**
 * A signed-in user running http:request by hand against a backend configured
 * like app-config.production.yaml (allowedHosts: [hooks.slack.com],
 * allowedCidrs: []): inward and metadata URLs fail the run with the reason,
 * after one attempt, and nothing is reached.
 */
describe('http:request through the backend with the production policy', () => {
  let connections = 0;
  let target: http.Server;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    target = http.createServer((_req, res) => res.end('reached'));
    target.on('connection', () => connections++);
    await new Promise<void>(r => target.listen(0, '127.0.0.1', r));
    backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              actions: {
                http: { allowedHosts: ['hooks.slack.com'], allowedCidrs: [] },
                manual: { allowed: ['http:request'] },
              },
            },
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await new Promise(r => target.close(r));
  });

  it.each([
    [
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      'http:request refused [::ffff:a9fe:a9fe]: not in eventOrchestration.actions.http.allowedHosts',
    ],
    [
      'http://metadata.google.internal./computeMetadata/v1/',
      'http:request refused metadata.google.internal (cloud metadata host)',
    ],
    [
      'http://127.0.0.1:PORT/',
      'http:request refused 127.0.0.1: not in eventOrchestration.actions.http.allowedHosts',
    ],
  ])('%s fails the run, once, naming the reason', async (url, reason) => {
    const port = (target.address() as AddressInfo).port;
    const api = request(backend.server);
    const started = await api
      .post('/api/event-orchestration/actions/http:request/runs')
      .send({
        input: { url: url.replace('PORT', String(port)), retries: 2 },
      });
    expect(started.status).toBe(201);
    const run = await waitFor(async () => {
      const r = await api.get(
        `/api/event-orchestration/runs/${started.body.id}`,
      );
      return ['succeeded', 'failed'].includes(r.body.status)
        ? r.body
        : undefined;
    }, 'the run to finish');
    expect(run.status).toBe('failed');
    expect(run.steps[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: reason,
    });
    expect(connections).toBe(0);
  });
});
