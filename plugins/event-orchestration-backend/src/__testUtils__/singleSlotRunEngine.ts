import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { WorkflowStep } from '@edo/plugin-event-orchestration-common';
import { OrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { Knex } from 'knex';
import { ActionRegistry, logAction } from '../actions';
import { EntityResolver } from '../catalog';
import { RunEngine } from '../runs';
import { OrchestrationDatabase, RunRecord } from '../store';
import { waitFor } from './waitFor';

/**
 * A run engine with one run slot on a migrated test database: a step that
 * holds the slot keeps every later run from starting, so "a following run
 * succeeds" proves the slot was freed.
 */
export async function startSingleSlotRunEngine(
  knex: Knex,
  actions: OrchestrationAction[],
) {
  await knex.migrate.latest({
    directory: resolvePackagePath(
      '@edo/plugin-event-orchestration-backend',
      'migrations',
    ),
  });
  const store = OrchestrationDatabase.create({ knex });
  const registry = new ActionRegistry();
  registry.register(logAction, ...actions);
  const logger = mockServices.logger.mock();
  const engine = new RunEngine(
    {
      store,
      actions: registry,
      entities: new EntityResolver(
        catalogServiceMock({ entities: [] }),
        mockServices.auth(),
        logger,
      ),
      logger,
    },
    { pollIntervalMs: 50, concurrency: 1 },
  );
  engine.start();
  let events = 0;

  /** Starts a run of `steps` and waits (with a deadline) until it is over. */
  const run = async (steps: WorkflowStep[]): Promise<RunRecord> => {
    events++;
    const eventId = `evt-${events}`;
    await store.events.recordEvent({
      event: {
        specversion: '1.0',
        id: eventId,
        source: '/test',
        type: 'test.happened',
        time: new Date().toISOString(),
        data: {},
      },
      entityRefs: [],
    });
    const started = await engine.startRun({
      sensor: {
        name: `sensor-${events}`,
        dependencies: [
          {
            name: 'it',
            eventType: 'test.happened',
            filters: { data: [] },
            filtersLogicalOperator: 'and',
          },
        ],
        cancelOnResolve: false,
        workflow: { steps, onFailure: [] },
      },
      triggerEventIds: [eventId],
      entityRefs: [],
    });
    return waitFor(async () => {
      const current = await store.runs.getRun({ id: started.run.id });
      return current &&
        ['succeeded', 'failed', 'cancelled'].includes(current.status)
        ? current
        : undefined;
    }, `run ${started.run.id} to finish`);
  };

  return {
    store,
    run,
    /** Whether a run started now gets the slot and succeeds. */
    followingRunSucceeds: async () =>
      (await run([{ id: 'say', action: 'log', input: { message: 'next' } }]))
        .status === 'succeeded',
    stop: () => engine.stop(),
  };
}
