import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { EmbeddedEventBus, EmbeddedEventBusOptions } from './EmbeddedEventBus';
import { NatsEventBus } from './NatsEventBus';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer } from '../__testUtils__/natsServer';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import { until } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

const databases = createTestDatabases();

/**
 * One suite, every bus: the embedded bus on each test database and the NATS
 * JetStream bus on a private nats-server.
 */
type Factory = {
  name: string;
  setup(): Promise<void>;
  create(
    options: EmbeddedEventBusOptions,
  ): Promise<EventBus & { close?(): Promise<void> }>;
  teardown(): Promise<void>;
  finish?(): Promise<void>;
};

let streamCounter = 0;
const factories: Factory[] = [
  ...databases.eachSupportedId().map(([databaseId]): Factory => {
    let knex: Knex;
    return {
      name: `embedded on ${databaseId}`,
      async setup() {
        knex = await databases.init(databaseId);
        await knex.migrate.latest({
          directory: resolvePackagePath(
            '@edo/plugin-event-orchestration-backend',
            'migrations',
          ),
        });
      },
      async create(options) {
        return new EmbeddedEventBus(knex, mockServices.logger.mock(), options);
      },
      async teardown() {},
    };
  }),
  (() => {
    let nats: Awaited<ReturnType<typeof startNatsServer>> | undefined;
    let stream = '';
    const open: NatsEventBus[] = [];
    return {
      name: 'NATS JetStream',
      async setup() {
        nats ??= await startNatsServer();
        stream = `TEST_${++streamCounter}`;
      },
      async create(options: EmbeddedEventBusOptions) {
        const bus = await NatsEventBus.connect(
          {
            servers: [nats!.url],
            stream,
            maxDeliver: options.maxDeliver,
            backoffMs: options.backoffMs,
            batchSize: options.batchSize,
          },
          mockServices.logger.mock(),
        );
        open.push(bus);
        return bus;
      },
      async teardown() {
        await Promise.all(open.splice(0).map(b => b.close()));
        // Streams may not overlap in subjects: each test gets a fresh one.
        const nc = await connect({ servers: [nats!.url] });
        await (await jetstreamManager(nc)).streams
          .delete(stream)
          .catch(() => false);
        await nc.drain();
      },
      async finish() {
        await nats?.cleanup();
      },
    };
  })(),
];

function event(id: string, type = 'test.event'): OrchestrationEvent {
  return {
    specversion: '1.0',
    id,
    source: '/test',
    type,
    time: '2026-11-23T08:00:00.000Z',
    data: { n: id },
  };
}

/** The bus's dead letters once there are `n` (NATS copies them asynchronously). */
async function deadLetters(bus: EventBus, n: number, subscriber?: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = await bus.listDeadLetters(subscriber ? { subscriber } : {});
    if (found.length === n) return found;
    if (Date.now() > deadline)
      throw new Error(`expected ${n} dead letters, found ${found.length}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

describe.each(factories.map(f => [f.name, f] as const))(
  'event bus: %s',
  (_name, factory) => {
    const fast = { pollIntervalMs: 50, backoffMs: [50], maxDeliver: 3 };

    beforeEach(() => factory.setup());
    afterEach(() => factory.teardown());
    afterAll(() => factory.finish?.());

    it('drops a re-published id and delivers the event once', async () => {
      const bus = await factory.create(fast);
      const seen: string[] = [];
      const sub = await bus.subscribe('once', async e => {
        seen.push(e.id);
      });
      expect(await bus.publish(event('a'))).toEqual({ duplicate: false });
      expect(await bus.publish(event('a'))).toEqual({ duplicate: true });
      await bus.publish(event('b'));
      await until(() => seen.length === 2, 'two deliveries');
      await new Promise(r => setTimeout(r, 200));
      await sub.close();
      expect(seen).toEqual(['a', 'b']);
    });

    it('answers many publishes at once each on its own: duplicates flagged, a bad event fails alone', async () => {
      const bus = await factory.create(fast);
      const seen: string[] = [];
      const sub = await bus.subscribe(
        'concurrent',
        async e => void seen.push(e.id),
      );
      const ids = Array.from({ length: 60 }, (_, i) => `c${i % 50}`); // c0..c9 twice
      const bad = {
        ...event('unserializable'),
        data: { n: BigInt(1) },
      } as unknown as OrchestrationEvent;
      const results = await Promise.allSettled([
        ...ids.map(id => bus.publish(event(id))),
        bus.publish(bad),
      ]);
      expect(results.slice(0, 60).every(r => r.status === 'fulfilled')).toBe(
        true,
      );
      const duplicates = results
        .slice(0, 60)
        .filter(
          r =>
            r.status === 'fulfilled' &&
            (r as PromiseFulfilledResult<{ duplicate: boolean }>).value
              .duplicate,
        );
      expect(duplicates).toHaveLength(10);
      expect(results[60]).toMatchObject({
        status: 'rejected',
        reason: expect.objectContaining({
          message: expect.stringMatching(/BigInt/),
        }),
      });
      await until(() => seen.length === 50, 'fifty deliveries');
      await new Promise(r => setTimeout(r, 200));
      await sub.close();
      expect(new Set(seen).size).toBe(50);
      expect(seen).not.toContain('unserializable');
    });

    it('fans out to every subscriber name and keeps publish order for one consumer', async () => {
      const bus = await factory.create(fast);
      const first: string[] = [];
      const second: string[] = [];
      const s1 = await bus.subscribe('first', async e => void first.push(e.id));
      const s2 = await bus.subscribe(
        'second',
        async e => void second.push(e.id),
      );
      const ids = Array.from({ length: 30 }, (_, i) => `e${i}`);
      for (const id of ids) await bus.publish(event(id));
      await until(() => first.length === 30 && second.length === 30, 'fan-out');
      await Promise.all([s1.close(), s2.close()]);
      expect(first).toEqual(ids);
      expect(second).toEqual(ids);
    });

    it('keeps call order for publishes that overlap, issued from separate event-loop turns as concurrent requests do', async () => {
      // Both buses write overlapping publishes together (a group commit, one
      // socket write); this is the order and durability that batching must keep.
      const bus = await factory.create(fast);
      const seen: string[] = [];
      const sub = await bus.subscribe(
        'overlap',
        async e => void seen.push(e.id),
      );
      const ids = Array.from({ length: 120 }, (_, i) => `o${i}`);
      const publishes: Promise<unknown>[] = [];
      for (const [i, id] of ids.entries()) {
        // Two per turn, like requests that arrive in one read, then a new turn.
        if (i % 2 === 0) await new Promise(r => setImmediate(r));
        publishes.push(bus.publish(event(id)));
      }
      const results = await Promise.all(publishes);
      expect(results).toEqual(ids.map(() => ({ duplicate: false })));
      await until(() => seen.length === ids.length, 'all handled');
      await sub.close();
      expect(seen).toEqual(ids);
    });

    it('leaves the event loop free while it works through a backlog', async () => {
      // A subscriber whose handler and database calls never wait on I/O (an
      // in-process SQLite) must still let the process answer HTTP requests and
      // timers between batches; it once starved them for seconds under load.
      const bus = await factory.create({ ...fast, batchSize: 10 });
      // Registered, then away while the backlog is published.
      await (await bus.subscribe('backlog', async () => {})).close();
      const total = 400;
      const publishes: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++)
        publishes.push(bus.publish(event(`b${i}`)));
      await Promise.all(publishes);
      let handled = 0;
      const sub = await bus.subscribe('backlog', async () => void handled++);
      // Sample `handled` on every turn of the event loop until all are handled.
      let largestStep = 0;
      let previous = handled;
      await new Promise<void>(resolve => {
        const sample = () => {
          largestStep = Math.max(largestStep, handled - previous);
          previous = handled;
          if (handled >= total) resolve();
          else setImmediate(sample);
        };
        setImmediate(sample);
      });
      await sub.close();
      expect(handled).toBe(total);
      // At most a few batches between two turns, never the whole backlog.
      expect(largestStep).toBeLessThanOrEqual(total / 4);
    });

    it('handles up to `concurrency` events at once, one at a time and in order per subject', async () => {
      const bus = await factory.create(fast);
      const order: Record<string, string[]> = {};
      const activeBySubject = new Map<string, number>();
      let active = 0;
      let maxActive = 0;
      let sameSubjectOverlap = false;
      let release!: () => void;
      const gate = new Promise<void>(r => (release = r));
      const sub = await bus.subscribe(
        'parallel',
        async e => {
          const subject = e.subject!;
          active++;
          maxActive = Math.max(maxActive, active);
          activeBySubject.set(subject, (activeBySubject.get(subject) ?? 0) + 1);
          if (activeBySubject.get(subject)! > 1) sameSubjectOverlap = true;
          await gate;
          await new Promise(r => setTimeout(r, 5));
          (order[subject] ??= []).push(e.id);
          activeBySubject.set(subject, activeBySubject.get(subject)! - 1);
          active--;
        },
        { concurrency: 4 },
      );
      const published: Record<string, string[]> = {};
      for (let i = 0; i < 24; i++) {
        const subject = `app-${i % 3}`;
        (published[subject] ??= []).push(`p${i}`);
        await bus.publish({ ...event(`p${i}`), subject });
      }
      // Three subjects: three calls run at once, the fourth slot waits behind one of them.
      await until(() => active === 3, 'three calls in flight');
      release();
      await until(
        () => Object.values(order).flat().length === 24,
        'all 24 handled',
      );
      await sub.close();
      expect(maxActive).toBe(3);
      expect(sameSubjectOverlap).toBe(false);
      expect(order).toEqual(published);
    });

    it('redelivers after a handler throws, then dead-letters after the limit', async () => {
      const bus = await factory.create(fast);
      const attempts: Record<string, number[]> = {};
      const sub = await bus.subscribe('flaky', async (e, { attempt }) => {
        (attempts[e.id] ??= []).push(attempt);
        if (e.id === 'poison' || attempt < 2) throw new Error(`boom ${e.id}`);
      });
      await bus.publish(event('recovers'));
      await bus.publish(event('poison'));
      await until(
        () => attempts.recovers?.length === 2 && attempts.poison?.length === 3,
        'redeliveries',
      );
      await new Promise(r => setTimeout(r, 300));
      await sub.close();
      expect(attempts).toEqual({ recovers: [1, 2], poison: [1, 2, 3] });
      const health = await bus.health();
      expect(health.consumers).toEqual([
        { name: 'flaky', pending: 0, ackPending: 0, deadLettered: 1 },
      ]);
    });

    it('lists a dead letter with what is known of it and re-drives it to that subscriber only, with a fresh attempt count', async () => {
      const bus = await factory.create(fast);
      let failing = true;
      const attempts: number[] = [];
      const bystander: string[] = [];
      const sub = await bus.subscribe('redrive', async (e, { attempt }) => {
        if (e.id !== 'poison') return;
        attempts.push(attempt);
        if (failing) throw new Error(`boom on ${attempt}`);
      });
      const other = await bus.subscribe(
        'bystander',
        async e => void bystander.push(e.id),
      );
      await bus.publish({ ...event('poison'), subject: 'app-1' });
      await until(
        () => attempts.length === 3 && bystander.length === 1,
        'three failed deliveries',
      );
      const dead = await deadLetters(bus, 1);
      expect(dead).toEqual([
        {
          subscriber: 'redrive',
          eventId: 'poison',
          eventType: 'test.event',
          subject: 'app-1',
          attempts: 3,
          lastError: expect.stringContaining('boom on 3'),
          deadLetteredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      ]);
      expect(
        Math.abs(Date.parse(dead[0].deadLetteredAt) - Date.now()),
      ).toBeLessThan(30_000);
      expect(await bus.listDeadLetters({ subscriber: 'bystander' })).toEqual(
        [],
      );
      expect(await bus.listDeadLetters({ subscriber: 'redrive' })).toHaveLength(
        1,
      );

      failing = false;
      const redriven = await bus.redriveDeadLetter('redrive', 'poison');
      expect(redriven).toMatchObject({
        subscriber: 'redrive',
        eventId: 'poison',
        eventType: 'test.event',
      });
      await until(() => attempts.length === 4, 'the re-driven delivery');
      await new Promise(r => setTimeout(r, 300));
      expect(attempts).toEqual([1, 2, 3, 1]);
      expect(bystander).toEqual(['poison']);
      expect(await bus.listDeadLetters()).toEqual([]);
      // Re-driven once: a second re-drive finds nothing.
      expect(await bus.redriveDeadLetter('redrive', 'poison')).toBeUndefined();
      await new Promise(r => setTimeout(r, 300));
      expect(attempts).toEqual([1, 2, 3, 1]);
      const health = await bus.health();
      expect(health.consumers.find(c => c.name === 'redrive')).toEqual({
        name: 'redrive',
        pending: 0,
        ackPending: 0,
        deadLettered: 0,
      });
      await Promise.all([sub.close(), other.close()]);
    });

    it('dead-letters a re-driven event again when it keeps failing, and knows no unknown dead letter', async () => {
      const bus = await factory.create(fast);
      const attempts: number[] = [];
      const sub = await bus.subscribe('stubborn', async (_e, { attempt }) => {
        attempts.push(attempt);
        throw new Error('still broken');
      });
      await bus.publish(event('hopeless'));
      await until(() => attempts.length === 3, 'the first three deliveries');
      await deadLetters(bus, 1, 'stubborn');
      expect(await bus.redriveDeadLetter('stubborn', 'hopeless')).toMatchObject(
        {
          subscriber: 'stubborn',
          eventId: 'hopeless',
          eventType: 'test.event',
          attempts: 3,
          lastError: expect.stringContaining('still broken'),
        },
      );
      await until(() => attempts.length === 6, 'three more deliveries');
      const [again] = await deadLetters(bus, 1, 'stubborn');
      expect(again).toMatchObject({
        subscriber: 'stubborn',
        eventId: 'hopeless',
        attempts: 3,
      });
      expect(attempts).toEqual([1, 2, 3, 1, 2, 3]);
      expect(
        await bus.redriveDeadLetter('stubborn', 'no-such-event'),
      ).toBeUndefined();
      expect(
        await bus.redriveDeadLetter('no-such-subscriber', 'hopeless'),
      ).toBeUndefined();
      await sub.close();
    });

    it('splits one subscriber name between two bus instances, each event handled once', async () => {
      const a = await factory.create({ ...fast, batchSize: 5 });
      const b = await factory.create({ ...fast, batchSize: 5 });
      const handled: Array<[string, string]> = [];
      const slow = (who: string) => async (e: OrchestrationEvent) => {
        handled.push([who, e.id]);
        await new Promise(r => setTimeout(r, 5));
      };
      const sa = await a.subscribe('shared', slow('a'));
      const sb = await b.subscribe('shared', slow('b'));
      const ids = Array.from({ length: 200 }, (_, i) => `m${i}`);
      for (const id of ids) await a.publish(event(id));
      await until(() => handled.length >= 200, 'all handled', 30_000);
      await new Promise(r => setTimeout(r, 200));
      await Promise.all([sa.close(), sb.close()]);
      expect(handled.map(([, id]) => id).sort()).toEqual([...ids].sort());
      expect(handled.filter(([who]) => who === 'a').length).toBeGreaterThan(0);
      expect(handled.filter(([who]) => who === 'b').length).toBeGreaterThan(0);
    });

    it('delivers only the event types a subscriber asked for', async () => {
      const bus = await factory.create(fast);
      const seen: string[] = [];
      const sub = await bus.subscribe(
        'alerts-only',
        async e => void seen.push(e.id),
        {
          eventTypes: ['alertmanager.*'],
        },
      );
      await bus.publish(event('x', 'github.push'));
      await bus.publish(event('y', 'alertmanager.alert'));
      await until(() => seen.length === 1, 'one delivery');
      await new Promise(r => setTimeout(r, 200));
      await sub.close();
      expect(seen).toEqual(['y']);
    });

    it('keeps events published while a subscriber is away and delivers them when it is back', async () => {
      const bus = await factory.create(fast);
      const seen: string[] = [];
      const first = await bus.subscribe(
        'durable',
        async e => void seen.push(e.id),
      );
      await first.close();
      await bus.publish(event('while-away-1'));
      await bus.publish(event('while-away-2'));
      const again = await bus.subscribe(
        'durable',
        async e => void seen.push(e.id),
      );
      await until(() => seen.length === 2, 'the events published while away');
      await again.close();
      expect(seen).toEqual(['while-away-1', 'while-away-2']);
    });

    it('keeps events for a subscriber that was declared by a process that only publishes', async () => {
      // An ingest-only replica declares the names the processing replicas use.
      const publisher = await factory.create(fast);
      const consumer = await factory.create(fast);
      await publisher.declareSubscriber('declared', {
        eventTypes: ['test.event'],
      });
      await publisher.declareSubscriber('declared', {
        eventTypes: ['test.event'],
      }); // idempotent
      await publisher.publish(event('before-any-consumer'));
      await publisher.publish(event('other-type', 'other.event'));
      const seen: string[] = [];
      const sub = await consumer.subscribe(
        'declared',
        async e => void seen.push(e.id),
        { eventTypes: ['test.event'] },
      );
      await until(() => seen.length === 1, 'the event published before');
      await publisher.publish(event('after'));
      await until(() => seen.length === 2, 'the event published after');
      // The ack follows the handler's promise: on NATS it reaches the
      // server a moment after the handler saw the event.
      await until(
        async () =>
          (await consumer.health()).consumers.find(c => c.name === 'declared')
            ?.ackPending === 0,
        'the last ack to reach the bus',
      );
      await sub.close();
      expect(seen).toEqual(['before-any-consumer', 'after']);
      expect(
        (await consumer.health()).consumers.find(c => c.name === 'declared'),
      ).toMatchObject({ pending: 0, ackPending: 0, deadLettered: 0 });
    });
  },
);
