import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { OrchestrationDatabase } from './OrchestrationDatabase';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function event(id: string): OrchestrationEvent {
  return {
    specversion: '1.0',
    id,
    source: '/test',
    type: 'ci.image.pushed',
    time: '2026-12-02T08:00:00.000Z',
    data: {},
  };
}

/** Runs are found by the JSON text of their trigger event ids (no link table). */
describe.each(databases.eachSupportedId())(
  'the runs of an event on %s',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: `${__dirname}/../../migrations`,
      });
      const store = OrchestrationDatabase.create({ knex });
      const startRuns = async (eventId: string, count: number) => {
        const ids: string[] = [];
        for (let i = 0; i < count; i++) {
          const { run } = await store.transaction(tx =>
            store.runs.createRun(tx, {
              sensor: `sensor-${i}`,
              idempotencyKey: `${eventId}:${i}`,
              triggerEventIds: [eventId],
              triggerDependencies: {},
              entityRefs: [],
              steps: [{ id: 'say', action: 'log', input: {} }],
            }),
          );
          ids.push(run.id);
        }
        return ids;
      };
      return { store, startRuns };
    }

    it("an event's details list its 100 newest runs, not all of them", async () => {
      const { store, startRuns } = await setup();
      await store.events.recordEvent({ event: event('e1'), entityRefs: [] });
      const ids = await startRuns('e1', 101);

      const details = await store.views.getEvent('e1');

      expect(details?.runs.map(r => r.id)).toEqual(ids.slice(1).reverse());
    });

    it('an event id with LIKE wildcards finds its own runs, not those of ids it would match as a pattern or in another case', async () => {
      const { store, startRuns } = await setup();
      for (const id of ['a_c', '100%', 'abc', '100%x', 'A_C']) {
        await store.events.recordEvent({ event: event(id), entityRefs: [] });
      }
      const own = await startRuns('a_c', 1);
      const percent = await startRuns('100%', 1);
      await startRuns('abc', 100);
      await startRuns('100%x', 100);
      await startRuns('A_C', 100);

      expect((await store.views.getEvent('a_c'))?.runs.map(r => r.id)).toEqual(
        own,
      );
      expect((await store.views.getEvent('100%'))?.runs.map(r => r.id)).toEqual(
        percent,
      );
    });
  },
);
