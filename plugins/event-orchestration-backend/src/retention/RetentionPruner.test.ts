import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  OrchestrationEvent,
  parseSensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { OrchestrationDatabase } from '../store';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { RetentionPruner } from './RetentionPruner';
import { longestCorrelationPeriodMs } from './longestCorrelationPeriod';
import { readRetentionSettings } from './retentionSettings';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const DAY = 24 * 3600_000;
const NOW = Date.parse('2026-12-02T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

function event(id: string): OrchestrationEvent {
  return {
    specversion: '1.0',
    id,
    source: '/test',
    type: 'ci.image.pushed',
    subject: 'payments',
    time: '2026-12-01T08:00:00.000Z',
    data: { image: `payments:${id}` },
  };
}

const settings = readRetentionSettings(new ConfigReader({}));

describe.each(databases.eachSupportedId())(
  'retention pruning on %s',
  databaseId => {
    async function setup(chunkSize = 2_000) {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: `${__dirname}/../../migrations`,
      });
      const store = OrchestrationDatabase.create({ knex });
      const pruner = (sensorPeriodMs = 0) =>
        new RetentionPruner({
          store,
          settings,
          logger: mockServices.logger.mock(),
          longestSensorPeriodMs: () => sensorPeriodMs,
          chunkSize,
        });
      return { knex, store, pruner };
    }

    /** A run of `sensor` on `eventIds` with two steps, an approval and links. */
    async function run(
      knex: Knex,
      store: OrchestrationDatabase,
      options: {
        key: string;
        eventIds: string[];
        status: string;
        finishedDaysAgo?: number;
      },
    ) {
      const { run: created } = await store.transaction(tx =>
        store.runs.createRun(tx, {
          sensor: 'deploy',
          idempotencyKey: options.key,
          triggerEventIds: options.eventIds,
          triggerDependencies: {},
          entityRefs: ['component:default/payments'],
          steps: [
            { id: 'approve', action: 'approval:wait', input: {} },
            { id: 'say', action: 'log', input: {} },
          ],
        }),
      );
      await knex('edo_approvals').insert({
        run_id: created.id,
        step_id: 'approve',
        status: 'approved',
        prompt: 'ship?',
        requested_at: daysAgo(100),
      });
      await knex('edo_run_link_retries').insert({
        run_id: created.id,
        event_id: options.eventIds[0],
      });
      await knex('edo_runs')
        .where({ id: created.id })
        .update({
          status: options.status,
          created_at: daysAgo(100),
          finished_at:
            options.finishedDaysAgo === undefined
              ? null
              : daysAgo(options.finishedDaysAgo),
        });
      return created.id;
    }

    async function rowsOf(knex: Knex, table: string, column: string) {
      return (await knex(table).select(column)).map(r => r[column]).sort();
    }

    it('deletes finished runs past retention with their steps, links and approvals; keeps young and live runs', async () => {
      const { knex, store, pruner } = await setup(2);
      await store.events.recordEvent({ event: event('e1'), entityRefs: [] });
      const ids = {
        oldSucceeded: await run(knex, store, {
          key: 'a',
          eventIds: ['e1'],
          status: 'succeeded',
          finishedDaysAgo: 91,
        }),
        oldFailed: await run(knex, store, {
          key: 'b',
          eventIds: ['e1'],
          status: 'failed',
          finishedDaysAgo: 200,
        }),
        oldCancelled: await run(knex, store, {
          key: 'c',
          eventIds: ['e1'],
          status: 'cancelled',
          finishedDaysAgo: 95,
        }),
        youngSucceeded: await run(knex, store, {
          key: 'd',
          eventIds: ['e1'],
          status: 'succeeded',
          finishedDaysAgo: 89,
        }),
        // Created long ago and still going: waiting for an approval, or queued.
        running: await run(knex, store, {
          key: 'e',
          eventIds: ['e1'],
          status: 'running',
        }),
        pending: await run(knex, store, {
          key: 'f',
          eventIds: ['e1'],
          status: 'pending',
        }),
      };
      const kept = [ids.youngSucceeded, ids.running, ids.pending].sort();

      expect(await pruner().prune(NOW)).toMatchObject({ runs: 3 });

      expect(await rowsOf(knex, 'edo_runs', 'id')).toEqual(kept);
      for (const table of [
        'edo_run_steps',
        'edo_run_entities',
        'edo_approvals',
        'edo_run_link_retries',
      ]) {
        expect([...new Set(await rowsOf(knex, table, 'run_id'))]).toEqual(kept);
      }
      expect(await pruner().prune(NOW)).toMatchObject({ runs: 0 });
    });

    it('deletes events past retention with their links and verdicts; keeps young events, those of live runs and those correlation state holds', async () => {
      const { knex, store, pruner } = await setup(2);
      for (const id of ['old', 'old-2', 'of-live-run', 'of-done-run']) {
        await store.events.recordEvent({
          event: event(id),
          entityRefs: ['component:default/payments'],
          linkRetry: {
            subject: 'payments',
            reason: 'no-entity',
            firstDelayMs: 10_000,
          },
        });
      }
      for (const id of ['young', 'held-by-window', 'held-by-dependency']) {
        await store.events.recordEvent({
          event: event(id),
          entityRefs: ['component:default/payments'],
        });
      }
      for (const id of [
        'old',
        'old-2',
        'of-live-run',
        'of-done-run',
        'young',
        'held-by-window',
        'held-by-dependency',
      ]) {
        await store.evaluations.recordFilterVerdicts({
          eventId: id,
          verdicts: [
            { sensor: 'deploy', status: 'matched', reason: 'matched' },
            { sensor: 'other', status: 'not-matched', reason: 'no' },
          ],
        });
      }
      await knex('edo_events')
        .whereNot({ id: 'young' })
        .update({ received_at: daysAgo(31) });
      await knex('edo_events')
        .where({ id: 'young' })
        .update({ received_at: daysAgo(29) });
      await knex('edo_evaluations').update({ evaluated_at: daysAgo(29) });
      await run(knex, store, {
        key: 'live',
        eventIds: ['young', 'of-live-run'],
        status: 'running',
      });
      await run(knex, store, {
        key: 'done',
        eventIds: ['of-done-run'],
        status: 'succeeded',
        finishedDaysAgo: 1,
      });
      // A sensor whose window is longer than the events' retention.
      const recent = NOW - DAY;
      await knex('edo_sensor_window_events').insert({
        sensor: 'deploy',
        group_key: 'payments',
        event_id: 'held-by-window',
        event_time: recent,
      });
      await knex('edo_sensor_dependency_events').insert({
        sensor: 'deploy',
        group_key: 'payments',
        dependency: 'image',
        event_id: 'held-by-dependency',
        event_time: recent,
      });

      expect(await pruner().prune(NOW)).toMatchObject({ events: 3 });

      const kept = [
        'held-by-dependency',
        'held-by-window',
        'of-live-run',
        'young',
      ];
      expect(await rowsOf(knex, 'edo_events', 'id')).toEqual(kept);
      expect(await rowsOf(knex, 'edo_event_entities', 'event_id')).toEqual(
        kept,
      );
      expect([
        ...new Set(await rowsOf(knex, 'edo_evaluations', 'event_id')),
      ]).toEqual(kept);
      expect(await rowsOf(knex, 'edo_event_link_retries', 'event_id')).toEqual([
        'of-live-run',
      ]);
      // The finished run stays (runs have their own retention), its event went.
      expect(
        (await store.runs.listRuns({})).items.map(r => r.triggerEventIds),
      ).toEqual([['of-done-run'], ['young', 'of-live-run']]);
      expect(await pruner().prune(NOW)).toMatchObject({ events: 0 });
    });

    it('deletes verdicts past their retention on events that stay', async () => {
      const { knex, store, pruner } = await setup();
      await store.events.recordEvent({ event: event('e1'), entityRefs: [] });
      await store.evaluations.recordFilterVerdicts({
        eventId: 'e1',
        verdicts: [
          { sensor: 'deploy', status: 'matched', reason: 'matched' },
          { sensor: 'other', status: 'not-matched', reason: 'no' },
        ],
      });
      await knex('edo_evaluations')
        .where({ sensor: 'other' })
        .update({ evaluated_at: daysAgo(31) });

      expect(await pruner().prune(NOW)).toMatchObject({
        evaluations: 1,
        events: 0,
      });
      expect(await rowsOf(knex, 'edo_evaluations', 'sensor')).toEqual([
        'deploy',
      ]);
    });

    it('forgets correlation state and fires past retention unless a sensor period still needs them, and groups with nothing left', async () => {
      const { knex, pruner } = await setup(2);
      const old = NOW - 31 * DAY;
      const recent = NOW - DAY;
      await knex('edo_sensor_groups').insert([
        { sensor: 's', group_key: 'idle' },
        { sensor: 's', group_key: 'waiting' },
        { sensor: 's', group_key: 'fired-lately' },
        { sensor: 's', group_key: 'debouncing' },
      ]);
      await knex('edo_sensor_dependency_events').insert([
        {
          sensor: 's',
          group_key: 'idle',
          dependency: 'a',
          event_id: 'x1',
          event_time: old,
        },
        {
          sensor: 's',
          group_key: 'waiting',
          dependency: 'a',
          event_id: 'x2',
          event_time: recent,
        },
      ]);
      await knex('edo_sensor_window_events').insert([
        { sensor: 's', group_key: 'idle', event_id: 'x3', event_time: old },
        { sensor: 's', group_key: 'idle', event_id: 'x4', event_time: old },
      ]);
      await knex('edo_sensor_fires').insert([
        { sensor: 's', group_key: 'idle', fired_at: old },
        { sensor: 's', group_key: 'idle', fired_at: old - DAY },
        { sensor: 's', group_key: 'fired-lately', fired_at: recent },
      ]);
      await knex('edo_sensor_debounce').insert({
        sensor: 's',
        group_key: 'debouncing',
        due_at: NOW + 60_000,
        trigger_event_ids: '[]',
        entity_refs: '[]',
      });

      // A loaded sensor with a 60-day window keeps the 31-day-old state.
      expect(await pruner(60 * DAY).prune(NOW)).toMatchObject({
        correlation: 0,
      });
      expect(await rowsOf(knex, 'edo_sensor_fires', 'group_key')).toHaveLength(
        3,
      );
      expect(await rowsOf(knex, 'edo_sensor_groups', 'group_key')).toHaveLength(
        4,
      );

      expect(await pruner().prune(NOW)).toMatchObject({ correlation: 6 });
      expect(
        await rowsOf(knex, 'edo_sensor_dependency_events', 'event_id'),
      ).toEqual(['x2']);
      expect(
        await rowsOf(knex, 'edo_sensor_window_events', 'event_id'),
      ).toEqual([]);
      expect(await rowsOf(knex, 'edo_sensor_fires', 'group_key')).toEqual([
        'fired-lately',
      ]);
      expect(await rowsOf(knex, 'edo_sensor_groups', 'group_key')).toEqual([
        'debouncing',
        'fired-lately',
        'waiting',
      ]);
    });

    it('deletes re-drive records past retention', async () => {
      const { knex, store, pruner } = await setup();
      for (const [eventId, at] of [
        ['e-old', daysAgo(91)],
        ['e-young', daysAgo(89)],
      ]) {
        await store.deadLetters.recordRedrive({
          subscriber: 'sensor-engine',
          eventId,
          eventType: 'ci.image.pushed',
          actor: 'user:default/ops',
          at,
        });
      }
      expect(await pruner().prune(NOW)).toMatchObject({ redrives: 1 });
      expect(
        await rowsOf(knex, 'edo_dead_letter_redrives', 'event_id'),
      ).toEqual(['e-young']);
    });

    it('two replicas pruning at once delete each row once', async () => {
      const { knex, store, pruner } = await setup(3);
      const eventIds = Array.from({ length: 20 }, (_, i) => `e${i}`);
      for (const id of eventIds) {
        await store.events.recordEvent({
          event: event(id),
          entityRefs: ['component:default/payments'],
        });
        await store.evaluations.recordFilterVerdicts({
          eventId: id,
          verdicts: [
            { sensor: 'deploy', status: 'matched', reason: 'matched' },
          ],
        });
      }
      for (let i = 0; i < 10; i++) {
        await run(knex, store, {
          key: `r${i}`,
          eventIds: [`e${i}`],
          status: 'succeeded',
          finishedDaysAgo: 100,
        });
      }
      await knex('edo_events').update({ received_at: daysAgo(40) });

      const [first, second] = await Promise.all([
        pruner().prune(NOW),
        pruner().prune(NOW),
      ]);
      expect(first.runs + second.runs).toBe(10);
      expect(first.events + second.events).toBe(20);
      for (const table of [
        'edo_events',
        'edo_event_entities',
        'edo_evaluations',
        'edo_runs',
        'edo_run_steps',
        'edo_run_entities',
        'edo_approvals',
        'edo_run_link_retries',
      ]) {
        const [{ n }] = await knex(table).count({ n: '*' });
        expect({ table, rows: Number(n) }).toEqual({ table, rows: 0 });
      }
    });

    it('starts no chunk once the scheduler aborted the task', async () => {
      const { knex, store, pruner } = await setup(2);
      for (let i = 0; i < 6; i++) {
        await store.events.recordEvent({
          event: event(`e${i}`),
          entityRefs: [],
        });
      }
      await knex('edo_events').update({ received_at: daysAgo(40) });
      const controller = new AbortController();
      controller.abort();
      expect(await pruner().prune(NOW, controller.signal)).toEqual({
        runs: 0,
        correlation: 0,
        events: 0,
        evaluations: 0,
        redrives: 0,
      });
      expect(await rowsOf(knex, 'edo_events', 'id')).toHaveLength(6);
      expect(await pruner().prune(NOW)).toMatchObject({ events: 6 });
    });
  },
);

describe('eventOrchestration.retention', () => {
  const read = (retention: unknown) =>
    readRetentionSettings(
      new ConfigReader({ eventOrchestration: { retention } } as any),
    );

  it('defaults to 30 days for events, verdicts and correlation state, 90 for runs and re-drives', () => {
    expect(read(undefined)).toEqual({
      eventsMs: 30 * DAY,
      evaluationsMs: 30 * DAY,
      correlationMs: 30 * DAY,
      runsMs: 90 * DAY,
      redrivesMs: 90 * DAY,
    });
    expect(read({ runs: '400d', events: '2d' })).toMatchObject({
      runsMs: 400 * DAY,
      eventsMs: 2 * DAY,
    });
  });

  it('refuses what is not a duration, or shorter than a day', () => {
    expect(() => read({ events: 'a month' })).toThrow(
      'eventOrchestration.retention.events must be a duration such as 30d or 36h',
    );
    expect(() => read({ runs: 5 })).toThrow(
      'eventOrchestration.retention.runs must be a duration such as 30d or 36h',
    );
    expect(() => read({ correlation: '12h' })).toThrow(
      'eventOrchestration.retention.correlation must be at least 1d',
    );
    expect(() => read({ keep: '1d' })).toThrow(
      "eventOrchestration.retention has no setting 'keep'",
    );
  });
});

describe('longestCorrelationPeriodMs', () => {
  it('is the longest window, reset, cooldown, rate-limit or debounce period of the loaded sensors', () => {
    const parsed = parseSensorSpec({
      name: 'slow',
      dependencies: [{ name: 'a', eventType: 'x' }],
      aggregate: { count: 2, within: '45d' },
      cooldown: '2d',
      rateLimit: { max: 1, per: '7d' },
      workflow: { steps: [{ id: 's', action: 'log', input: {} }] },
    });
    if (!parsed.success) throw new Error('fixture sensor is invalid');
    expect(longestCorrelationPeriodMs([parsed.sensor])).toBe(45 * DAY);
    expect(longestCorrelationPeriodMs([])).toBe(0);
  });
});
