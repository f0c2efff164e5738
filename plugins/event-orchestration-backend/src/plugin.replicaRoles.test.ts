import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Knex } from 'knex';
import request from 'supertest';
import { HealthResponse, Run } from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationPlugin } from './plugin';
import { createTestDatabases } from './__testUtils__/testDatabases';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(90_000);

const TOKEN = 'ci-token';
const databases = createTestDatabases();

type Backend = Awaited<ReturnType<typeof startTestBackend>>;

/**
 * One replica on the shared database, with the embedded bus: every replica
 * accepts webhooks; `roles` says whether it also evaluates events and runs them.
 */
function startReplica(
  knex: Knex,
  roles: { sensorEngine: boolean; runs: boolean },
): Promise<Backend> {
  return startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          eventOrchestration: {
            sensorEngine: { enabled: roles.sensorEngine },
            runs: { enabled: roles.runs },
            sources: {
              webhooks: [
                {
                  name: 'ci',
                  type: 'generic',
                  eventType: 'ci.image.pushed',
                  subjectPath: 'image',
                  auth: { bearerToken: TOKEN },
                },
              ],
            },
            sensors: [
              {
                name: 'log-new-image',
                dependencies: [{ name: 'image', eventType: 'ci.image.pushed' }],
                workflow: {
                  steps: [
                    {
                      id: 'say',
                      action: 'log',
                      input: { message: 'new image ${{ event.data.tag }}' },
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
}

describe.each(databases.eachSupportedId())(
  'replica roles on %s',
  databaseId => {
    const started: Backend[] = [];
    afterEach(async () => {
      await Promise.all(started.splice(0).map(b => b.stop()));
    });

    it('an ingest-only replica accepts events that an evaluating replica evaluates and a running replica runs', async () => {
      const knex = await databases.init(databaseId);
      const ingest = await startReplica(knex, {
        sensorEngine: false,
        runs: false,
      });
      started.push(ingest);

      const accepted = await request(ingest.server)
        .post('/api/event-orchestration/webhooks/ci')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({ image: 'my-awesome-app', tag: 'v1.2.3' });
      expect(accepted.status).toBe(202);
      const [eventId] = accepted.body.eventIds as string[];

      const health: HealthResponse = (
        await request(ingest.server).get('/api/event-orchestration/health')
      ).body;
      expect(health.replica).toEqual({ sensorEngine: false, runs: false });
      // Kept for the sensor engine although no replica has consumed yet.
      expect(
        health.bus.consumers.find(c => c.name === 'sensor-engine'),
      ).toMatchObject({ pending: 1, ackPending: 0 });
      // Three poll intervals of the embedded bus later, still not evaluated here.
      await new Promise(r => setTimeout(r, 1_500));
      expect(await knex('edo_events').where({ id: eventId })).toHaveLength(0);

      // A replica that evaluates but does not run: the event is stored, the run
      // created and left pending.
      const evaluator = await startReplica(knex, {
        sensorEngine: true,
        runs: false,
      });
      started.push(evaluator);
      const pending = await waitFor(async () => {
        const { body } = await request(evaluator.server).get(
          '/api/event-orchestration/runs',
        );
        return (body.items as Run[]).find(r =>
          r.triggerEventIds.includes(eventId),
        );
      }, 'the run created by the evaluating replica');
      expect(pending.status).toBe('pending');
      await new Promise(r => setTimeout(r, 1_500));
      expect(
        (
          await request(evaluator.server).get(
            `/api/event-orchestration/runs/${pending.id}`,
          )
        ).body.status,
      ).toBe('pending');

      // A replica that only runs executes it.
      const runner = await startReplica(knex, {
        sensorEngine: false,
        runs: true,
      });
      started.push(runner);
      const finished = await waitFor(async () => {
        const { body } = await request(runner.server).get(
          `/api/event-orchestration/runs/${pending.id}`,
        );
        return body.status === 'succeeded' ? (body as Run) : undefined;
      }, 'the run executed by the running replica');
      expect(finished.steps.map(s => [s.id, s.status])).toEqual([
        ['say', 'succeeded'],
      ]);
      expect(finished.steps[0].logs).toEqual([
        expect.stringMatching(/ info new image v1\.2\.3$/),
      ]);
    });
  },
);
