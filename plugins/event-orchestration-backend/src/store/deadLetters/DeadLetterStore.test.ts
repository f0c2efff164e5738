import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { migratedStores } from '../../__testUtils__/storeDatabase';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'DeadLetterStore on %p',
  databaseId => {
    it('lists re-drives newest first, by subscriber and event, and deletes old ones (retention)', async () => {
      const { store } = await migratedStores(databases, databaseId);
      const redrive = (eventId: string, at: string, comment?: string) =>
        store.deadLetters.recordRedrive({
          subscriber: 'sensor-engine',
          eventId,
          eventType: 'test.event',
          actor: 'user:default/ana',
          at,
          ...(comment ? { comment } : {}),
        });
      await redrive('e1', '2026-11-01T00:00:00.000Z');
      await redrive('e2', '2026-11-20T00:00:00.000Z', 'fixed the webhook');
      await redrive('e1', '2026-11-21T00:00:00.000Z');

      expect(
        (await store.deadLetters.listRedrives()).map(r => [r.eventId, r.at]),
      ).toEqual([
        ['e1', '2026-11-21T00:00:00.000Z'],
        ['e2', '2026-11-20T00:00:00.000Z'],
        ['e1', '2026-11-01T00:00:00.000Z'],
      ]);
      expect(
        await store.deadLetters.listRedrives({ eventId: 'e2', limit: 5 }),
      ).toEqual([
        {
          subscriber: 'sensor-engine',
          eventId: 'e2',
          eventType: 'test.event',
          actor: 'user:default/ana',
          at: '2026-11-20T00:00:00.000Z',
          comment: 'fixed the webhook',
        },
      ]);
      expect(
        await store.deadLetters.listRedrives({ subscriber: 'other' }),
      ).toEqual([]);

      expect(
        await store.deadLetters.deleteRedrivesBefore({
          before: new Date('2026-11-15T00:00:00Z'),
          limit: 10,
        }),
      ).toBe(1);
      expect((await store.deadLetters.listRedrives()).map(r => r.at)).toEqual([
        '2026-11-21T00:00:00.000Z',
        '2026-11-20T00:00:00.000Z',
      ]);
    });
  },
);
