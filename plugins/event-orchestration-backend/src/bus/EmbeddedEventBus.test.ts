import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { EmbeddedEventBus } from './EmbeddedEventBus';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function event(id: string): OrchestrationEvent {
  return {
    specversion: '1.0',
    id,
    source: '/test',
    type: 'test.event',
    time: '2026-12-01T08:00:00.000Z',
    data: { n: id },
  };
}

// What every bus must do is in EventBusConformance.test.ts; this is how the
// embedded one writes.
describe.each(databases.eachSupportedId())('embedded bus on %s', databaseId => {
  it('writes the publishes of one event-loop turn in one transaction, as concurrent requests issue them', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@edo/plugin-event-orchestration-backend',
        'migrations',
      ),
    });
    const bus = new EmbeddedEventBus(knex, mockServices.logger.mock());
    await bus.declareSubscriber('counted');
    const inserts: string[] = [];
    const onQuery = (query: { sql: string }) => {
      if (/^insert into .edo_bus_messages./i.test(query.sql))
        inserts.push(query.sql);
    };
    knex.on('query', onQuery);
    try {
      // Twenty HTTP requests read in one turn: each handler runs in its own
      // callback, with the microtasks drained in between.
      const results = await new Promise<unknown[]>(resolve => {
        const publishes: Promise<unknown>[] = [];
        for (let i = 0; i < 20; i++) {
          setImmediate(() => {
            publishes.push(bus.publish(event(`turn-${i}`)));
            if (publishes.length === 20) resolve(Promise.all(publishes));
          });
        }
      });
      expect(results).toEqual(
        Array.from({ length: 20 }, () => ({ duplicate: false })),
      );
      expect(inserts).toHaveLength(1);
      const delivered = await knex('edo_bus_deliveries')
        .where({ consumer: 'counted' })
        .count({ n: '*' });
      expect(Number(delivered[0].n)).toBe(20);
    } finally {
      knex.removeListener('query', onQuery);
    }
  });
});
