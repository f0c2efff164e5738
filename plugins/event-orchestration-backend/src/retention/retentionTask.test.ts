import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Knex } from 'knex';
import { eventOrchestrationPlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/testDatabases';

jest.setTimeout(90_000);

const databases = createTestDatabases();
const DAY = 24 * 3600_000;
const TASK = 'event-orchestration-retention';

/** A sensor whose aggregation window is longer than the default retention. */
const slowSensor = {
  name: 'weekly-digest',
  dependencies: [{ name: 'push', eventType: 'ci.image.pushed' }],
  aggregate: { count: 100, within: '45d' },
  workflow: { steps: [{ id: 'say', action: 'log', input: { message: 'x' } }] },
};

function start(knex: Knex, retention?: unknown) {
  const scheduler = mockServices.scheduler();
  const backend = startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.database.factory({ knex }),
      // The mock scheduler without its own factory: no task runs on start-up,
      // the test triggers the retention task itself.
      createServiceFactory({
        service: coreServices.scheduler,
        deps: {},
        factory: () => scheduler,
      }),
      mockServices.rootConfig.factory({
        data: {
          eventOrchestration: {
            sensors: [slowSensor],
            ...(retention === undefined ? {} : { retention }),
          },
        },
      }),
    ],
  });
  return { backend, scheduler };
}

describe.each(databases.eachSupportedId())(
  'the retention task on %s',
  databaseId => {
    it('runs on one replica at a time and deletes what is past eventOrchestration.retention', async () => {
      const knex = await databases.init(databaseId);
      const { backend, scheduler } = start(knex, { runs: '10d' });
      const started = await backend;
      try {
        const tasks = await scheduler.getScheduledTasks();
        expect(tasks.find(t => t.id === TASK)).toMatchObject({
          scope: 'global',
        });
        const old = new Date(Date.now() - 20 * DAY).toISOString();
        await knex('edo_runs').insert({
          id: 'r-old',
          sensor: 'weekly-digest',
          idempotency_key: 'k-old',
          status: 'succeeded',
          trigger_event_ids: '[]',
          workflow: '[]',
          created_at: old,
          finished_at: old,
        });
        await knex('edo_run_steps').insert({
          run_id: 'r-old',
          position: 0,
          step_id: 'say',
          action: 'log',
          status: 'succeeded',
        });
        // 40 days old: past the 30d default, inside the sensor's 45d window.
        await knex('edo_sensor_window_events').insert({
          sensor: 'weekly-digest',
          group_key: '',
          event_id: 'e-window',
          event_time: Date.now() - 40 * DAY,
        });

        await scheduler.triggerTask(TASK);

        expect(await knex('edo_runs').where({ id: 'r-old' })).toEqual([]);
        expect(await knex('edo_run_steps').where({ run_id: 'r-old' })).toEqual(
          [],
        );
        expect(
          (await knex('edo_sensor_window_events').select('event_id')).map(
            r => r.event_id,
          ),
        ).toEqual(['e-window']);
      } finally {
        await started.stop();
      }
    });

    it('refuses to start with a retention that is not a duration or too short', async () => {
      const knex = await databases.init(databaseId);
      await expect(start(knex, { events: '2h' }).backend).rejects.toThrow(
        'eventOrchestration.retention.events must be at least 1d',
      );
    });
  },
);
