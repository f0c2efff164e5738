import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { OrchestrationDatabase } from '../store';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { EventRelinker, FIRST_RELINK_DELAY_MS } from './EventRelinker';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function event(id: string, subject: string): OrchestrationEvent {
  return {
    specversion: '1.0',
    id,
    source: '/test',
    type: 'ci.image.pushed',
    subject,
    time: '2026-12-02T08:00:00.000Z',
    data: {},
  };
}

function component(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: {},
  };
}

/**
 * The relinker's schedule and bookkeeping on a real database. The catalog is
 * the one-method lookup the relinker asks (EntityResolver in the plugin; the
 * plugin-level test in `plugin.linking.test.ts` runs it against the real catalog
 * backend): a map of names, and a switch for an outage.
 */
describe.each(databases.eachSupportedId())(
  'EventRelinker on %p',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({ directory: `${__dirname}/../../migrations` });
      const store = OrchestrationDatabase.create({ knex });
      const catalog = new Map<string, Entity[]>();
      const outage = { on: false, lookups: 0 };
      const linkedSignals: string[] = [];
      const relinker = new EventRelinker({
        store,
        entities: {
          entitiesForSubject: async subject => {
            outage.lookups++;
            if (outage.on) throw new Error('connect ECONNREFUSED');
            return catalog.get(subject) ?? [];
          },
        },
        logger: mockServices.logger.mock(),
        onLinked: id => linkedSignals.push(id),
      });
      const record = (id: string, subject: string, reason: any) =>
        store.events.recordEvent({
          event: event(id, subject),
          entityRefs: [],
          linkRetry: { subject, reason, firstDelayMs: FIRST_RELINK_DELAY_MS },
        });
      const links = async (id: string) =>
        (await knex('edo_event_entities').where({ event_id: id })).map(
          r => r.entity_ref,
        );
      const waiting = async () =>
        (
          await knex('edo_event_link_retries')
            .orderBy('event_id')
            .select('event_id', 'attempts', 'reason')
        ).map(r => `${r.event_id}:${r.attempts}:${r.reason}`);
      return {
        knex,
        store,
        catalog,
        outage,
        relinker,
        record,
        links,
        waiting,
        linkedSignals,
      };
    }

    it('links every waiting event of a subject once the catalog knows it, one lookup per subject', async () => {
      const t = await setup();
      await t.record('a1', 'late-app', 'no-entity');
      await t.record('a2', 'late-app', 'no-entity');
      await t.record('b1', 'other-app', 'no-entity');
      // Runs that sensors started from a1 and b1, concerning no entity yet.
      await t.knex('edo_run_link_retries').insert([
        { run_id: 'run-a1', event_id: 'a1' },
        { run_id: 'run-b1', event_id: 'b1' },
      ]);
      const t0 = Date.now();

      // Not due yet: nothing asked, nothing changed.
      expect(await t.relinker.relinkDue(t0)).toEqual({
        linked: 0,
        postponed: 0,
        gaveUp: 0,
      });
      expect(t.outage.lookups).toBe(0);

      // Due, still unknown: both subjects put off with a doubled wait.
      const first = t0 + FIRST_RELINK_DELAY_MS;
      expect(await t.relinker.relinkDue(first)).toEqual({
        linked: 0,
        postponed: 3,
        gaveUp: 0,
      });
      expect(t.outage.lookups).toBe(2);
      const next = await t
        .knex('edo_event_link_retries')
        .select('next_attempt_at_ms');
      expect(next.map(r => Number(r.next_attempt_at_ms))).toEqual([
        first + 2 * FIRST_RELINK_DELAY_MS,
        first + 2 * FIRST_RELINK_DELAY_MS,
        first + 2 * FIRST_RELINK_DELAY_MS,
      ]);
      expect(await t.relinker.relinkDue(first + 1000)).toMatchObject({
        postponed: 0,
      });

      // The catalog registers late-app: its two events are linked, the other waits.
      t.catalog.set('late-app', [component('late-app')]);
      const second = first + 2 * FIRST_RELINK_DELAY_MS;
      expect(await t.relinker.relinkDue(second)).toEqual({
        linked: 2,
        postponed: 1,
        gaveUp: 0,
      });
      expect(await t.links('a1')).toEqual(['component:default/late-app']);
      expect(await t.links('a2')).toEqual(['component:default/late-app']);
      expect(await t.links('b1')).toEqual([]);
      expect(t.linkedSignals.sort()).toEqual(['a1', 'a2']);
      expect(
        await t.knex('edo_run_entities').select('run_id', 'entity_ref'),
      ).toEqual([
        { run_id: 'run-a1', entity_ref: 'component:default/late-app' },
      ]);
      expect(
        (await t.knex('edo_run_link_retries').select('run_id')).map(
          r => r.run_id,
        ),
      ).toEqual(['run-b1']);
      expect(await t.waiting()).toEqual(['b1:2:no-entity']);
    });

    it('gives up on an unknown subject after 15 minutes, on an unreachable catalog after a day', async () => {
      const t = await setup();
      await t.record('unknown', 'never-app', 'no-entity');
      await t
        .knex('edo_run_link_retries')
        .insert({ run_id: 'run-unknown', event_id: 'unknown' });
      const t0 = Date.now();
      expect(await t.relinker.relinkDue(t0 + 14 * 60_000)).toMatchObject({
        postponed: 1,
        gaveUp: 0,
      });
      expect(await t.relinker.relinkDue(t0 + 16 * 60_000)).toMatchObject({
        postponed: 0,
        gaveUp: 1,
      });
      expect(await t.knex('edo_run_link_retries')).toEqual([]);

      await t.record('first', 'some-app', 'catalog-unreachable');
      await t.record('second', 'other-app', 'no-entity');
      const t1 = Date.now();
      t.outage.on = true;
      // While the catalog is down one failed lookup puts off every due event.
      const lookups = t.outage.lookups;
      expect(await t.relinker.relinkDue(t1 + 20_000)).toEqual({
        linked: 0,
        postponed: 2,
        gaveUp: 0,
      });
      expect(t.outage.lookups).toBe(lookups + 1);
      expect(await t.waiting()).toEqual([
        'first:1:catalog-unreachable',
        'second:1:catalog-unreachable',
      ]);
      // An outage keeps them waiting for a day, not longer.
      expect(await t.relinker.relinkDue(t1 + 23 * 3_600_000)).toMatchObject({
        postponed: 2,
        gaveUp: 0,
      });
      expect(await t.relinker.relinkDue(t1 + 25 * 3_600_000)).toMatchObject({
        postponed: 0,
        gaveUp: 2,
      });
      expect(await t.waiting()).toEqual([]);
    });

    it('records no retry for a duplicate delivery of an event already stored', async () => {
      const t = await setup();
      await t.record('dup', 'late-app', 'no-entity');
      await t.record('dup', 'late-app', 'no-entity');
      expect(await t.waiting()).toEqual(['dup:0:no-entity']);
    });
  },
);
