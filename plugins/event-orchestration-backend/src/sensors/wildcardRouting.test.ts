import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { Run, SensorVerdict } from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationPlugin } from '../plugin';
import { alertmanagerPayload } from '../__testUtils__/alertmanager';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { until } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

const TOKEN = 'wildcard-token';
const databases = createTestDatabases();

function logSensor(name: string, eventType: string) {
  return {
    name,
    dependencies: [{ name: 'any', eventType }],
    workflow: {
      steps: [
        { id: 'say', action: 'log', input: { message: '${{ event.type }}' } },
      ],
    },
  };
}

describe.each(databases.eachSupportedId())(
  'dependencies on alertmanager.* and * through the backend, on %s',
  id => {
    let backend: Awaited<ReturnType<typeof startTestBackend>>;
    beforeAll(async () => {
      const knex = await databases.init(id);
      backend = await startTestBackend({
        features: [
          eventOrchestrationPlugin,
          catalogServiceMock.factory({ entities: [] }),
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              eventOrchestration: {
                sources: {
                  webhooks: [
                    {
                      name: 'alertmanager',
                      type: 'alertmanager',
                      auth: { bearerToken: TOKEN },
                    },
                    {
                      name: 'ci',
                      type: 'generic',
                      eventType: 'ci.image.pushed',
                      auth: { bearerToken: TOKEN },
                    },
                  ],
                },
                sensors: [
                  logSensor('audit', '*'),
                  logSensor('alerts', 'alertmanager.*'),
                  logSensor('images', 'ci.image.pushed'),
                ],
              },
            },
          }),
        ],
      });
    });
    afterAll(async () => {
      await backend?.stop();
    });

    const runs = async () => {
      const { body } = await request(backend.server).get(
        '/api/event-orchestration/runs',
      );
      return body.items as Run[];
    };
    const verdictsOf = async (sensor: string) => {
      const { body } = await request(backend.server).get(
        `/api/event-orchestration/sensors/${sensor}/verdicts`,
      );
      return body.items as SensorVerdict[];
    };

    it('routes each event to its exact and wildcard sensors; * forwards everything but the finish of its own runs', async () => {
      const alert = await request(backend.server)
        .post('/api/event-orchestration/webhooks/alertmanager')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send(
          alertmanagerPayload([
            { labels: { alertname: 'HighCPU' }, fingerprint: 'f00dfeed0001' },
          ]),
        );
      expect(alert.status).toBe(202);
      const [alertId] = alert.body.eventIds as string[];
      const image = await request(backend.server)
        .post('/api/event-orchestration/webhooks/ci')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({ image: 'my-awesome-app', tag: 'v1.2.3' });
      expect(image.status).toBe(202);
      const [imageId] = image.body.eventIds as string[];

      // audit: the alert, the image, and the finishes of the two other
      // sensors' runs; its own four finishes are refused.
      await until(async () => {
        const own = (await verdictsOf('audit')).filter(v =>
          v.reason.includes("never takes the finish of the sensor's own runs"),
        );
        const all = await runs();
        return (
          own.length === 4 &&
          all.every(r => r.status === 'succeeded') &&
          all.length === 6
        );
      }, 'four audit runs, each finish refused by audit');

      const all = await runs();
      const triggers = (sensor: string) =>
        all
          .filter(r => r.sensor === sensor)
          .map(r => r.triggerEventIds[0])
          .sort();
      expect(triggers('alerts')).toEqual([alertId]);
      expect(triggers('images')).toEqual([imageId]);
      const finishOf = (sensor: string) =>
        `run-finished-${all.find(r => r.sensor === sensor)!.id}-`;
      const audited = triggers('audit');
      expect(audited).toHaveLength(4);
      expect(audited).toEqual(
        expect.arrayContaining([
          alertId,
          imageId,
          expect.stringContaining(finishOf('alerts')),
          expect.stringContaining(finishOf('images')),
        ]),
      );
      // alertmanager.* heard nothing but the alert: no verdict on the image.
      expect((await verdictsOf('alerts')).map(v => v.eventId)).toEqual([
        alertId,
      ]);
      expect(
        (await verdictsOf('audit'))
          .filter(v => v.status === 'matched')
          .map(v => v.eventId)
          .sort(),
      ).toEqual([...audited].sort());
    });
  },
);
