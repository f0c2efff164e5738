import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import {
  Run,
  SensorVerdict,
  SensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationPlugin } from '../plugin';
import { alertmanagerPayload } from '../__testUtils__/alertmanager';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

const TOKEN = 'alertmanager-token';
const HOUR_MS = 3_600_000;
const databases = createTestDatabases();

/** A sensor for the alerts labelled `case: <name>`, starting a one-step run. */
function sensorFor(
  name: string,
  limits: Pick<SensorSpec, 'cooldown' | 'rateLimit'>,
) {
  return {
    name,
    dependencies: [
      {
        name: 'alert',
        eventType: 'alertmanager.alert',
        filters: { data: [{ path: 'labels.case', value: name }] },
      },
    ],
    ...limits,
    workflow: {
      steps: [
        {
          id: 'say',
          action: 'log',
          input: { message: 'remediating ${{ event.data.fingerprint }}' },
        },
      ],
    },
  };
}

describe.each(databases.eachSupportedId())(
  'cooldowns and rate limits on the time the backend received an alert, on %s',
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
                  ],
                },
                sensors: [
                  sensorFor('rate', { rateLimit: { max: 1, per: '1h' } }),
                  sensorFor('future', { cooldown: '2s' }),
                  sensorFor('past', { cooldown: '1h' }),
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

    /** Sends one firing alert and returns the sensor's verdict on it. */
    async function alert(sensor: string, fingerprint: string, startsAt: Date) {
      const sent = await request(backend.server)
        .post('/api/event-orchestration/webhooks/alertmanager')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send(
          alertmanagerPayload([
            {
              labels: { alertname: 'CheckoutErrors', case: sensor },
              fingerprint,
              startsAt: startsAt.toISOString(),
            },
          ]),
        );
      expect(sent.status).toBe(202);
      const [eventId] = sent.body.eventIds as string[];
      return waitFor(async () => {
        const { body } = await request(backend.server).get(
          `/api/event-orchestration/sensors/${sensor}/verdicts`,
        );
        return (body.items as SensorVerdict[]).find(v => v.eventId === eventId);
      }, `the verdict of ${sensor} on ${fingerprint}`);
    }
    const runsOf = async (sensor: string) => {
      const { body } = await request(backend.server).get(
        '/api/event-orchestration/runs',
      );
      return (body.items as Run[]).filter(r => r.sensor === sensor);
    };

    it('an alert starting a year from now does not slip past the rate limit', async () => {
      const now = Date.now();
      expect(
        (await alert('rate', 'a1b2c3d4e5f60001', new Date(now))).status,
      ).toBe('matched');
      const future = await alert(
        'rate',
        'a1b2c3d4e5f60002',
        new Date(now + 365 * 24 * HOUR_MS),
      );
      expect(future.status).toBe('rate-limited');
      expect(future.reason).toBe('1 run(s) started within 1h; the limit is 1');
      expect(await runsOf('rate')).toHaveLength(1);
    });

    it('an alert starting a year from now does not hold later alerts in cooldown', async () => {
      const now = Date.now();
      const future = await alert(
        'future',
        'b1b2c3d4e5f60001',
        new Date(now + 365 * 24 * HOUR_MS),
      );
      expect(future.status).toBe('matched');
      // The 2 s cooldown is over, counted from when the backend got the alert.
      await new Promise(r => setTimeout(r, 2_200));
      const later = await alert('future', 'b1b2c3d4e5f60002', new Date());
      expect(later.status).toBe('matched');
      expect(await runsOf('future')).toHaveLength(2);
    });

    it('an alert that started two hours ago does not make a cooldown over that began a moment ago', async () => {
      const now = Date.now();
      const old = await alert(
        'past',
        'c1b2c3d4e5f60001',
        new Date(now - 2 * HOUR_MS),
      );
      expect(old.status).toBe('matched');
      const next = await alert('past', 'c1b2c3d4e5f60002', new Date(now));
      expect(next.status).toBe('cooled-down');
      expect(next.reason).toMatch(
        /^a run started \d+(ms|s) earlier; cooldown 1h$/,
      );
      expect(await runsOf('past')).toHaveLength(1);
    });
  },
);
