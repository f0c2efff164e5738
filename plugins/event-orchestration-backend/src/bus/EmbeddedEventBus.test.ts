import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { ConfigReader } from '@backstage/config';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { waitFor } from '../__testUtils__/waitFor';
import { EmbeddedEventBus } from './EmbeddedEventBus';
import { createEventBus } from './createEventBus';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function event(id: string, type = 'test.event'): OrchestrationEvent {
  return {
    specversion: '1.0',
    id,
    source: '/test',
    type,
    time: '2026-12-01T08:00:00.000Z',
    data: { n: id },
  };
}

// What every bus must do is in EventBusConformance.test.ts; this is how the
// embedded one writes.
const migrations = {
  directory: resolvePackagePath(
    '@edo/plugin-event-orchestration-backend',
    'migrations',
  ),
};

describe.each(databases.eachSupportedId())('embedded bus on %s', databaseId => {
  it('prunes old messages every subscriber is done with, and keeps the rest', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest(migrations);
    const bus = new EmbeddedEventBus(knex, mockServices.logger.mock(), {
      pollIntervalMs: 50,
      maxDeliver: 1,
      maxAgeMs: 24 * 3600_000,
    });
    // A subscriber nobody runs: its event stays pending.
    await bus.declareSubscriber('idle', { eventTypes: ['idle.event'] });
    const handled: string[] = [];
    const sub = await bus.subscribe(
      'worker',
      async e => {
        if (e.id === 'dead-old') throw new Error('always fails');
        handled.push(e.id);
      },
      { eventTypes: ['test.event'] },
    );
    for (const e of [
      event('done-old'),
      event('dead-old'),
      event('pending-old', 'idle.event'),
      event('done-new'),
    ])
      await bus.publish(e);
    await waitFor(
      async () => (handled.length === 2 ? true : undefined),
      'the two events that succeed',
    );
    await waitFor(
      async () =>
        (await bus.listDeadLetters()).length === 1 ? true : undefined,
      'the dead letter',
    );
    await sub.close();
    // Three of them published two days ago.
    await knex('edo_bus_messages')
      .whereIn('event_id', ['done-old', 'dead-old', 'pending-old'])
      .update({
        published_at: new Date(Date.now() - 2 * 24 * 3600_000).toISOString(),
      });

    expect(await bus.prune()).toBe(1);
    expect(
      (await knex('edo_bus_messages').select('event_id').orderBy('seq')).map(
        r => r.event_id,
      ),
    ).toEqual(['dead-old', 'pending-old', 'done-new']);
    expect(await bus.prune()).toBe(0);
    // The dead letter can still be re-driven, the pending event still waits.
    expect(await bus.redriveDeadLetter('worker', 'dead-old')).toMatchObject({
      eventId: 'dead-old',
    });
    expect(
      (await bus.health()).consumers.find(c => c.name === 'idle'),
    ).toMatchObject({ pending: 1 });
    // Past maxAge an id is no longer known: re-published, it is new again.
    expect(await bus.publish(event('done-old'))).toEqual({ duplicate: false });
    expect(await bus.publish(event('done-new'))).toEqual({ duplicate: true });
  });

  it('writes the publishes of one event-loop turn in one transaction, as concurrent requests issue them', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest(migrations);
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

describe('eventOrchestration.bus.embedded.maxAge', () => {
  const create = (maxAge: string) =>
    createEventBus({
      config: new ConfigReader({
        eventOrchestration: { bus: { embedded: { maxAge } } },
      }),
      knex: {} as never, // not reached: the setting is refused first
      logger: mockServices.logger.mock(),
    });

  it('refuses what is not a duration, or shorter than the 2m duplicate window', async () => {
    await expect(create('a week')).rejects.toThrow(
      'eventOrchestration.bus.embedded.maxAge must be a duration such as 7d or 2m',
    );
    await expect(create('30s')).rejects.toThrow(
      'eventOrchestration.bus.embedded.maxAge must be at least 2m',
    );
    await expect(create('3d')).resolves.toMatchObject({
      prune: expect.any(Function),
    });
  });
});
