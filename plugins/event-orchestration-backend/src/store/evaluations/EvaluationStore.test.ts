import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { migratedStores } from '../../__testUtils__/storeDatabase';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'EvaluationStore on %p',
  databaseId => {
    it('keeps the first verdict: a redelivered event cannot turn matched into pending', async () => {
      const { store } = await migratedStores(databases, databaseId);
      await store.events.recordEvent({
        event: {
          specversion: '1.0',
          id: 'e1',
          source: '/test',
          type: 'test.event',
          subject: 'shop',
          time: '2026-11-30T10:00:00Z',
          data: {},
        },
        entityRefs: [],
      });
      await store.transaction(tx =>
        store.evaluations.recordVerdicts(tx, {
          eventId: 'e1',
          verdicts: [{ sensor: 'deploy', status: 'matched', reason: 'ok' }],
        }),
      );
      await store.evaluations.recordFilterVerdicts({
        eventId: 'e1',
        verdicts: [
          { sensor: 'deploy', status: 'pending', reason: 'again' },
          { sensor: 'other', status: 'not-matched', reason: 'type' },
        ],
      });

      expect(
        (await store.evaluations.verdictsOf({ eventId: 'e1' })).map(v => [
          v.sensor,
          v.status,
          v.matched,
        ]),
      ).toEqual([
        ['deploy', 'matched', true],
        ['other', 'not-matched', false],
      ]);
      expect([
        ...(await store.evaluations.sensorsWithVerdict({ eventId: 'e1' })),
      ]).toEqual(expect.arrayContaining(['deploy', 'other']));
      expect(
        await store.transaction(tx =>
          store.evaluations.hasVerdict(tx, { eventId: 'e1', sensor: 'other' }),
        ),
      ).toBe(true);
      const counts = await store.evaluations.countsBySensor();
      expect(counts.get('deploy')).toMatchObject({ evaluated: 1, matched: 1 });
      expect(counts.get('other')).toMatchObject({ evaluated: 1, matched: 0 });
      expect(
        (
          await store.evaluations.listSensorVerdicts({
            sensor: 'deploy',
            limit: 5,
          })
        ).map(v => [v.eventId, v.eventType, v.subject]),
      ).toEqual([['e1', 'test.event', 'shop']]);
    });

    it('deletes verdicts older than the bound, at most a chunk at a time (retention)', async () => {
      const { knex, store } = await migratedStores(databases, databaseId);
      await store.evaluations.recordFilterVerdicts({
        eventId: 'e1',
        verdicts: ['a', 'b', 'c'].map(sensor => ({
          sensor,
          status: 'not-matched' as const,
          reason: 'type',
        })),
      });
      const future = new Date(Date.now() + 60_000);
      expect(
        await store.evaluations.deleteVerdictsBefore({
          before: future,
          limit: 2,
        }),
      ).toBe(2);
      expect(await knex('edo_evaluations')).toHaveLength(1);
      expect(
        await store.evaluations.deleteVerdictsBefore({
          before: new Date(0),
          limit: 2,
        }),
      ).toBe(0);
    });
  },
);
