import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
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
                webhooks: [
                  {
                    name: 'am',
                    type: 'alertmanager',
                    auth: { bearerToken: 't' },
                  },
                ],
                natsSubjects: [
                  {
                    name: 'ci',
                    subject: 'ci.images',
                    eventType: 'ci.image.pushed',
                    subjectPath: 'image',
                  },
                ],
              },
              sensors: [
                {
                  name: 'say',
                  dependencies: [
                    { name: 'a', eventType: 'alertmanager.alert' },
                  ],
                  workflow: {
                    steps: [
                      {
                        id: 'log',
                        action: 'log',
                        input: { message: '${{ event.subject }} fired' },
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
      const accepted = await request(backend.server)
        .post('/api/event-orchestration/webhooks/am')
        .set('Authorization', 'Bearer t')
        .send(
          alertmanagerPayload([
            { labels: { app: 'shop' }, fingerprint: 'abc' },
          ]),
        );
      expect(accepted.status).toBe(202);
      let runs: any[] = [];
      for (let i = 0; i < 100 && !(runs[0]?.status === 'succeeded'); i++) {
        await new Promise(r => setTimeout(r, 100));
        runs = (
          await request(backend.server).get('/api/event-orchestration/runs')
        ).body.items;
      }
      expect(runs.map(r => [r.sensor, r.status])).toEqual([
        ['say', 'succeeded'],
      ]);
      expect(runs[0].steps[0].logs[0]).toMatch(/ info shop fired$/);
      // CI announces an image on a plain NATS subject.
      const ci = await connect({ servers: [nats.url] });
      ci.publish('ci.images', JSON.stringify({ image: 'shop', tag: 'v1.2.3' }));
      await ci.drain();
      let images: any[] = [];
      for (let i = 0; i < 100 && images.length === 0; i++) {
        await new Promise(r => setTimeout(r, 100));
        images = (
          await request(backend.server).get(
            '/api/event-orchestration/events?type=ci.image.pushed',
          )
        ).body.items;
      }
      expect(images.map(i => [i.event.subject, i.event.data.tag])).toEqual([
        ['shop', 'v1.2.3'],
      ]);

      const health = await request(backend.server).get(
        '/api/event-orchestration/health',
      );
      expect(health.body.bus).toMatchObject({
        type: 'nats',
        connected: true,
        consumers: [
          { name: 'sensor-engine', pending: 0, ackPending: 0, deadLettered: 0 },
        ],
      });
    } finally {
      await backend.stop();
      await nats.cleanup();
    }
  });
  it('publishes every item of a batched webhook request, in order per subject, and nothing of a bad batch', async () => {
    const nats = await startNatsServer();
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              bus: { nats: { servers: [nats.url], stream: 'PLUGIN_BATCH' } },
              sources: {
                webhooks: [
                  {
                    name: 'ci',
                    type: 'generic',
                    eventType: 'ci.image.pushed',
                    subjectPath: 'image',
                    itemsPath: '$',
                    maxItems: 100,
                    auth: { bearerToken: 't' },
                  },
                ],
              },
            },
          },
        }),
      ],
    });
    const nc = await connect({ servers: [nats.url] });
    try {
      const jsm = await jetstreamManager(nc);
      const stored = async () =>
        (await jsm.streams.info('PLUGIN_BATCH')).state.messages;
      const send = (body: unknown) =>
        request(backend.server)
          .post('/api/event-orchestration/webhooks/ci')
          .set('Authorization', 'Bearer t')
          .send(body as object);
      const batch = Array.from({ length: 60 }, (_, i) => ({
        image: i % 2 ? 'shop' : 'payments',
        tag: `v${i}`,
      }));

      const accepted = await send(batch);
      expect(accepted.status).toBe(202);
      expect(accepted.body.eventIds).toHaveLength(60);
      expect(new Set(accepted.body.eventIds).size).toBe(60);
      expect(await stored()).toBe(60);
      // The stream holds them in the order of the batch, so per subject too.
      const tags: string[] = [];
      for (let seq = 1; seq <= 60; seq++) {
        tags.push(
          JSON.parse(
            new TextDecoder().decode(
              (await jsm.streams.getMessage('PLUGIN_BATCH', { seq }))!.data,
            ),
          ).data.tag,
        );
      }
      expect(tags).toEqual(batch.map(item => item.tag));

      // The same batch again: same ids, dropped by the server's duplicate window.
      const again = await send(batch);
      expect(again.body.eventIds).toEqual(accepted.body.eventIds);
      expect(await stored()).toBe(60);

      // One item without its subject: 400 naming it, and none of the others stored.
      const bad = await send([{ image: 'shop', tag: 'v100' }, { tag: 'v101' }]);
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toBe(
        "subjectPath 'image' is missing in item 1",
      );
      const tooMany = await send(
        Array.from({ length: 101 }, (_, i) => ({
          image: 'shop',
          tag: `w${i}`,
        })),
      );
      expect(tooMany.status).toBe(413);
      expect(await stored()).toBe(60);
    } finally {
      await nc.drain();
      await backend.stop();
      await nats.cleanup();
    }
  });
});
