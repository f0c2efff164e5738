import { mockServices } from '@backstage/backend-test-utils';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { startNatsServer } from '../__testUtils__/natsServer';
import { connect, headers } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { NatsEventBus } from './NatsEventBus';
import { createEventBus } from './createEventBus';
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { until } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

const event = (id: string): OrchestrationEvent => ({
  specversion: '1.0',
  id,
  source: '/test',
  type: 'test.event',
  time: '2026-11-23T08:00:00.000Z',
  data: {},
});

describe('NatsEventBus', () => {
  it('starts from the minimal config — servers only — on the default stream', async () => {
    const nats = await startNatsServer();
    try {
      const { bus, close } = await createEventBus({
        config: new ConfigReader({
          eventOrchestration: { bus: { nats: { servers: [nats.url] } } },
        }),
        knex: undefined as unknown as Knex, // the NATS bus keeps nothing in the database
        logger: mockServices.logger.mock(),
      });
      try {
        expect(await bus.publish(event('minimal'))).toEqual({
          duplicate: false,
        });
        const health = await bus.health();
        expect(health).toMatchObject({
          type: 'nats',
          connected: true,
          stream: 'EVENT_ORCHESTRATION',
        });
      } finally {
        await close();
      }
    } finally {
      await nats.cleanup();
    }
  });

  it('survives a server restart: reports the outage, refuses publishes meanwhile, then delivers again', async () => {
    const nats = await startNatsServer();
    const bus = await NatsEventBus.connect(
      { servers: [nats.url], stream: 'RESTART', publishTimeoutMs: 1000 },
      mockServices.logger.mock(),
    );
    try {
      const seen: string[] = [];
      const sub = await bus.subscribe(
        'restart',
        async e => void seen.push(e.id),
      );
      await bus.publish(event('before'));
      await until(() => seen.includes('before'), 'the first event');

      await nats.stop();
      await until(
        async () => !(await bus.health()).connected,
        'health to report the outage',
      );
      await expect(bus.publish(event('during'))).rejects.toThrow();

      await nats.restart();
      await until(async () => (await bus.health()).connected, 'the reconnect');
      expect(await bus.publish(event('after'))).toEqual({ duplicate: false });
      await until(() => seen.includes('after'), 'delivery after the restart');
      // The stream and the consumer survived the restart: nothing was delivered twice.
      expect(seen.filter(id => id === 'before')).toHaveLength(1);
      // The ack follows the handler asynchronously: the server counts it a moment later.
      await until(
        async () => (await bus.health()).consumers[0]?.ackPending === 0,
        'the ack to reach the server',
      );
      const health = await bus.health();
      expect(health.consumers).toEqual([
        { name: 'restart', pending: 0, ackPending: 0, deadLettered: 0 },
      ]);
      await sub.close();
    } finally {
      await bus.close().catch(() => {});
      await nats.cleanup();
    }
  });

  it('keeps the stream and its events when the bus connects again', async () => {
    const nats = await startNatsServer();
    try {
      const first = await NatsEventBus.connect(
        { servers: [nats.url], stream: 'KEEP' },
        mockServices.logger.mock(),
      );
      await first
        .subscribe('keeper', async () => {
          throw new Error('not now');
        })
        .then(s => s.close());
      await first.publish(event('kept'));
      await first.close();

      const second = await NatsEventBus.connect(
        { servers: [nats.url], stream: 'KEEP' },
        mockServices.logger.mock(),
      );
      const seen: string[] = [];
      const sub = await second.subscribe(
        'keeper',
        async e => void seen.push(e.id),
      );
      await until(() => seen.includes('kept'), 'the kept event');
      expect(await second.publish(event('kept'))).toEqual({ duplicate: true });
      await sub.close();
      await second.close();
    } finally {
      await nats.cleanup();
    }
  });
  it("keeps each event's dead letters on a subject of their own, and still lists and re-drives copies of the older one-subject layout", async () => {
    const nats = await startNatsServer();
    const bus = await NatsEventBus.connect(
      {
        servers: [nats.url],
        stream: 'DLQ_LAYOUT',
        maxDeliver: 1,
        backoffMs: [50],
      },
      mockServices.logger.mock(),
    );
    const nc = await connect({ servers: [nats.url] });
    try {
      const jsm = await jetstreamManager(nc);
      // A copy as earlier versions wrote it: on edo.deadletter.<durable> itself.
      const legacy = headers();
      legacy.set('Edo-Subscriber', 'poisoned');
      legacy.set('Edo-Attempts', '5');
      legacy.set('Edo-Last-Error', 'Error: old boom');
      await jetstream(nc).publish(
        'edo.deadletter.edo_poisoned',
        JSON.stringify(event('legacy')),
        { headers: legacy },
      );

      const handled: string[] = [];
      const subscription = await bus.subscribe('poisoned', async e => {
        handled.push(e.id);
        if (e.id !== 'legacy') throw new Error(`boom ${e.id}`);
      });
      try {
        for (const id of ['a', 'b', 'c']) await bus.publish(event(id));
        await until(
          async () =>
            (await bus.listDeadLetters({ subscriber: 'poisoned' })).length ===
            4,
          'three new dead letters',
        );

        const subjects = Object.keys(
          (
            await jsm.streams.info('DLQ_LAYOUT', {
              subjects_filter: 'edo.deadletter.>',
            })
          ).state.subjects ?? {},
        ).sort();
        expect(subjects).toHaveLength(4);
        expect(
          subjects.filter(x =>
            /^edo\.deadletter\.edo_poisoned\.[0-9a-f]{32}$/.test(x),
          ),
        ).toHaveLength(3);
        expect(subjects).toContain('edo.deadletter.edo_poisoned');
        expect(
          (await bus.listDeadLetters({ subscriber: 'poisoned' })).map(d => [
            d.subscriber,
            d.eventId,
            d.attempts,
          ]),
        ).toEqual([
          ['poisoned', 'legacy', 5],
          ['poisoned', 'a', 1],
          ['poisoned', 'b', 1],
          ['poisoned', 'c', 1],
        ]);
        expect((await bus.health()).consumers).toContainEqual(
          expect.objectContaining({ name: 'poisoned', deadLettered: 4 }),
        );

        // Re-driving b touches b's subject only; the legacy copy is re-driven from the old subject.
        expect(await bus.redriveDeadLetter('poisoned', 'b')).toMatchObject({
          eventId: 'b',
          lastError: 'Error: boom b',
        });
        expect(await bus.redriveDeadLetter('poisoned', 'legacy')).toMatchObject(
          { eventId: 'legacy', attempts: 5 },
        );
        await until(
          () => handled.includes('legacy'),
          'the legacy dead letter re-driven and handled',
        );
        await until(
          () => handled.filter(id => id === 'b').length === 2,
          'b re-driven',
        );
        await until(
          async () =>
            (await bus.listDeadLetters({ subscriber: 'poisoned' })).length ===
            3,
          'b dead again',
        );
        expect(
          (await bus.listDeadLetters({ subscriber: 'poisoned' })).map(
            d => d.eventId,
          ),
        ).toEqual(['a', 'c', 'b']);
        expect(
          await bus.redriveDeadLetter('poisoned', 'legacy'),
        ).toBeUndefined();
      } finally {
        await subscription.close();
      }
    } finally {
      await nc.drain();
      await bus.close();
      await nats.cleanup();
    }
  });
});
