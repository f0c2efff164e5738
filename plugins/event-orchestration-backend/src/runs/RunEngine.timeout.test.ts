import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  OrchestrationEvent,
  SensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { ActionRegistry, logAction } from '../actions';
import { EntityResolver } from '../catalog';
import { OrchestrationDatabase } from '../store';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { waitFor } from '../__testUtils__/waitFor';
import { RunEngine } from './RunEngine';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const logger = mockServices.logger.mock();

const event: OrchestrationEvent = {
  specversion: '1.0',
  id: 'evt-1',
  source: '/test',
  type: 'ci.image.pushed',
  subject: 'my-awesome-app',
  time: '2026-11-23T08:00:00.000Z',
  data: { image: 'my-awesome-app', tag: 'v1.2.3' },
};

function sensor(
  name: string,
  steps: SensorSpec['workflow']['steps'],
): SensorSpec {
  return {
    name,
    dependencies: [
      {
        name: 'image',
        eventType: 'ci.image.pushed',
        filters: { data: [] },
        filtersLogicalOperator: 'and',
      },
    ],
    cancelOnResolve: false,
    workflow: { steps, onFailure: [] },
  };
}

/** An action that never looks at its abort signal: a hung client library. */
const ignoresSignal = createOrchestrationAction({
  id: 'test:ignores-signal',
  description: 'Never settles',
  schema: { input: z.object({}) },
  handler: () => new Promise<void>(() => {}),
});

describe.each(databases.eachSupportedId())(
  'RunEngine step timeouts on %s',
  databaseId => {
    let store: OrchestrationDatabase;
    let engine: RunEngine | undefined;

    beforeEach(async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@edo/plugin-event-orchestration-backend',
          'migrations',
        ),
      });
      store = OrchestrationDatabase.create({ knex });
      await store.events.recordEvent({ event, entityRefs: [] });
      await store.events.recordEvent({
        event: { ...event, id: 'evt-2' },
        entityRefs: [],
      });
    });
    afterEach(async () => {
      await engine?.stop();
      engine = undefined;
    });

    /** One run slot: a step that holds it blocks every later run. */
    const startEngine = (actions: ActionRegistry) => {
      engine = new RunEngine(
        {
          store,
          actions,
          entities: new EntityResolver(
            catalogServiceMock({ entities: [] }),
            mockServices.auth(),
            logger,
          ),
          logger,
        },
        // Renewals every 500 ms notice a cancel quickly.
        { pollIntervalMs: 50, concurrency: 1, leaseMs: 1500 },
      );
      engine.start();
      return engine;
    };

    const finished = (id: string) =>
      waitFor(async () => {
        const run = await store.runs.getRun({ id });
        return run && ['succeeded', 'failed', 'cancelled'].includes(run.status)
          ? run
          : undefined;
      }, `run ${id} to finish`);

    const logRun = (running: RunEngine) =>
      running.startRun({
        sensor: sensor('after', [
          { id: 'say', action: 'log', input: { message: 'slot is free' } },
        ]),
        triggerEventIds: ['evt-2'],
        entityRefs: [],
      });

    it('fails a step whose action ignores its abort signal with a timeout error naming the step, and frees the run slot', async () => {
      const actions = new ActionRegistry();
      actions.register(ignoresSignal, logAction);
      const running = startEngine(actions);
      const hung = await running.startRun({
        sensor: sensor('hangs', [
          {
            id: 'hang',
            action: 'test:ignores-signal',
            input: {},
            timeout: '1s',
          },
          { id: 'never', action: 'log', input: { message: 'unreachable' } },
        ]),
        triggerEventIds: [event.id],
        entityRefs: [],
      });
      const failed = await finished(hung.run.id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toBe(
        "step 'hang' failed: step 'hang' timed out after 1000 ms",
      );
      expect(failed.steps.map(s => [s.status, s.error ?? null])).toEqual([
        ['failed', "step 'hang' timed out after 1000 ms"],
        ['skipped', null],
      ]);

      const next = await logRun(running);
      expect((await finished(next.run.id)).status).toBe('succeeded');
    });

    it('retries a timed-out attempt as it retries any failed one', async () => {
      const actions = new ActionRegistry();
      actions.register(ignoresSignal, logAction);
      const running = startEngine(actions);
      const hung = await running.startRun({
        sensor: sensor('hangs', [
          {
            id: 'hang',
            action: 'test:ignores-signal',
            input: {},
            timeout: '300ms',
            retry: { attempts: 2, backoff: '10ms', factor: 1 },
          },
        ]),
        triggerEventIds: [event.id],
        entityRefs: [],
      });
      const failed = await finished(hung.run.id);
      expect(failed.steps[0]).toEqual(
        expect.objectContaining({
          status: 'failed',
          attempts: 2,
          error: "step 'hang' timed out after 300 ms",
        }),
      );
      expect(failed.steps[0].logs).toEqual(
        expect.arrayContaining([
          expect.stringContaining(
            "attempt 1 failed: step 'hang' timed out after 300 ms; retrying in 10 ms (1 left)",
          ),
        ]),
      );
    });

    it('discards the late result of an attempt that timed out', async () => {
      let release = () => {};
      let lateResultDelivered = false;
      const late = createOrchestrationAction({
        id: 'test:late',
        description: 'Answers only when the test says so, ignoring its signal',
        schema: { input: z.object({}) },
        async handler(ctx) {
          await new Promise<void>(resolve => {
            release = resolve;
          });
          ctx.logger.info('late line');
          ctx.output('late', true);
          lateResultDelivered = true;
        },
      });
      const actions = new ActionRegistry();
      actions.register(late, logAction);
      const running = startEngine(actions);
      const slow = await running.startRun({
        sensor: sensor('late', [
          { id: 'slow', action: 'test:late', input: {}, timeout: '500ms' },
        ]),
        triggerEventIds: [event.id],
        entityRefs: [],
      });
      const failed = await finished(slow.run.id);
      expect(failed.steps[0].status).toBe('failed');

      release();
      await waitFor(
        async () => (lateResultDelivered ? true : undefined),
        'the late result',
      );
      // A run started after the late result finishes only once the engine has
      // had its turns to (wrongly) store it.
      const next = await logRun(running);
      expect((await finished(next.run.id)).status).toBe('succeeded');

      const after = await store.runs.getRun({ id: slow.run.id });
      expect(after?.status).toBe('failed');
      expect(after?.steps[0]).toEqual(
        expect.objectContaining({
          status: 'failed',
          error: "step 'slow' timed out after 500 ms",
          output: {},
        }),
      );
      expect(JSON.stringify(after?.steps[0].logs)).not.toContain('late line');
    });

    it('cancels a run whose action ignores its abort signal without waiting for the timeout', async () => {
      const actions = new ActionRegistry();
      actions.register(ignoresSignal, logAction);
      const running = startEngine(actions);
      const hung = await running.startRun({
        sensor: sensor('hangs', [
          {
            id: 'hang',
            action: 'test:ignores-signal',
            input: {},
            timeout: '1h',
          },
        ]),
        triggerEventIds: [event.id],
        entityRefs: [],
      });
      await waitFor(
        async () =>
          (await store.runs.getRun({ id: hung.run.id }))?.steps[0].status ===
          'running'
            ? true
            : undefined,
        'the step to run',
      );
      await store.runs.cancelRun({
        id: hung.run.id,
        entry: {
          action: 'cancel',
          actor: 'user:default/alice',
          at: new Date().toISOString(),
        },
      });
      const cancelled = await waitFor(async () => {
        const run = await store.runs.getRun({ id: hung.run.id });
        return run?.steps[0].status === 'cancelled' ? run : undefined;
      }, 'the step to be cancelled');
      expect(cancelled.status).toBe('cancelled');

      const next = await logRun(running);
      expect((await finished(next.run.id)).status).toBe('succeeded');
    });
  },
);
