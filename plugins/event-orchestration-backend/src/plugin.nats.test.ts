import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { connect } from '@nats-io/transport-node';
import { eventOrchestrationPlugin } from './plugin';
import { alertmanagerPayload } from './__testUtils__/alertmanager';
import { startNatsServer } from './__testUtils__/natsServer';

jest.setTimeout(60_000);

describe('event-orchestration backend on the NATS bus', () => {
  it('takes a webhook through NATS JetStream to a finished run, and reports the bus in /health', async () => {
    const nats = await startNatsServer();
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              bus: { nats: { servers: [nats.url], stream: 'PLUGIN_TEST' } },
              sources: {
                webhooks: [{ name: 'am', type: 'alertmanager', auth: { bearerToken: 't' } }],
                natsSubjects: [{ name: 'ci', subject: 'ci.images', eventType: 'ci.image.pushed', subjectPath: 'image' }],
              },
              sensors: [
                {
                  name: 'say',
                  dependencies: [{ name: 'a', eventType: 'alertmanager.alert' }],
                  workflow: { steps: [{ id: 'log', action: 'log', input: { message: '${{ event.subject }} fired' } }] },
                },
              ],
            },
          },
        }),
      ],
    });
    try {
      const accepted = await request(backend.server)
        .post('/api/event-orchestration/webhooks/am')
        .set('Authorization', 'Bearer t')
        .send(alertmanagerPayload([{ labels: { app: 'shop' }, fingerprint: 'abc' }]));
      expect(accepted.status).toBe(202);
      let runs: any[] = [];
      for (let i = 0; i < 100 && !(runs[0]?.status === 'succeeded'); i++) {
        await new Promise(r => setTimeout(r, 100));
        runs = (await request(backend.server).get('/api/event-orchestration/runs')).body.items;
      }
      expect(runs.map(r => [r.sensor, r.status])).toEqual([['say', 'succeeded']]);
      expect(runs[0].steps[0].logs[0]).toMatch(/ info shop fired$/);
      // CI announces an image on a plain NATS subject.
      const ci = await connect({ servers: [nats.url] });
      ci.publish('ci.images', JSON.stringify({ image: 'shop', tag: 'v1.2.3' }));
      await ci.drain();
      let images: any[] = [];
      for (let i = 0; i < 100 && images.length === 0; i++) {
        await new Promise(r => setTimeout(r, 100));
        images = (await request(backend.server).get('/api/event-orchestration/events?type=ci.image.pushed')).body.items;
      }
      expect(images.map(i => [i.event.subject, i.event.data.tag])).toEqual([['shop', 'v1.2.3']]);

      const health = await request(backend.server).get('/api/event-orchestration/health');
      expect(health.body.bus).toMatchObject({
        type: 'nats',
        connected: true,
        consumers: [{ name: 'sensor-engine', pending: 0, ackPending: 0, deadLettered: 0 }],
      });
    } finally {
      await backend.stop();
      await nats.cleanup();
    }
  });
});
