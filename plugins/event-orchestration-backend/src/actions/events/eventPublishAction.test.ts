import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { EmbeddedEventBus } from '../../bus';
import { createEventPublishAction } from './eventPublishAction';

const databases = createTestDatabases();

describe('event:publish', () => {
  it('publishes once per step even when the step runs again', async () => {
    const knex = await databases.init('SQLITE_3');
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@edo/plugin-event-orchestration-backend',
        'migrations',
      ),
    });
    const bus = new EmbeddedEventBus(knex, mockServices.logger.mock());
    const action = createEventPublishAction(bus);
    const outputs: Record<string, unknown>[] = [];
    const run = async () => {
      const output: Record<string, unknown> = {};
      await action.handler({
        input: action.schema.input.parse({
          type: 'orchestration.remediation.failed',
          subject: 'my-awesome-app',
          data: { reason: 'sync failed' },
        }),
        logger: mockServices.logger.mock(),
        // A sensor's run: it has the event that triggered it.
        events: [
          {
            specversion: '1.0',
            id: 'argocd-1',
            source: '/webhooks/argocd',
            type: 'argocd.app.sync-failed',
            time: new Date().toISOString(),
            data: {},
          },
        ],
        entityRefs: ['component:default/my-awesome-app'],
        runId: 'run-1',
        stepId: 'escalate',
        idempotencyKey: 'run-1:escalate',
        signal: new AbortController().signal,
        output: (name, value) => {
          output[name] = value;
        },
      });
      outputs.push(output);
    };
    await run();
    await run();
    expect(outputs[0].eventId).toMatch(/^run-[0-9a-f]{40}$/);
    expect(outputs[1]).toEqual(outputs[0]);
    const rows = await knex('edo_bus_messages').select('event_id', 'payload');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0].payload)).toMatchObject({
      type: 'orchestration.remediation.failed',
      subject: 'my-awesome-app',
      source: '/runs/run-1',
      entityref: ['component:default/my-awesome-app'],
      correlationid: 'run-1',
      data: { reason: 'sync failed' },
      // Follow-up events come from the orchestrator, naming the run.
      origin: { kind: 'orchestrator', run: 'run-1' },
    });
    expect(() => action.schema.input.parse({ type: 'Bad Type' })).toThrow(
      /dotted lower-case/,
    );
  });

  it("carries on whose request the run serves, so a chain of sensors stays the requester's", async () => {
    const knex = await databases.init('SQLITE_3');
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@edo/plugin-event-orchestration-backend',
        'migrations',
      ),
    });
    const bus = new EmbeddedEventBus(knex, mockServices.logger.mock());
    const action = createEventPublishAction(bus);
    await action.handler({
      input: action.schema.input.parse({ type: 'portal.chain.next' }),
      logger: mockServices.logger.mock(),
      events: [
        {
          specversion: '1.0',
          id: 'portal-1',
          source: '/events',
          type: 'portal.chain.requested',
          time: new Date().toISOString(),
          data: {},
          origin: { kind: 'portal', actor: 'user:default/alice' },
        },
      ],
      entityRefs: [],
      runId: 'run-2',
      stepId: 'next',
      idempotencyKey: 'run-2:next',
      signal: new AbortController().signal,
      output: () => {},
    });
    const [row] = await knex('edo_bus_messages').select('payload');
    expect(JSON.parse(row.payload).origin).toEqual({
      kind: 'orchestrator',
      run: 'run-2',
      onBehalfOf: ['user:default/alice'],
      // The run's entities: what a run it starts may concern.
      entityScope: [],
    });
  });
});
