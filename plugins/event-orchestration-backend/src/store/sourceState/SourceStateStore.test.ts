import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { migratedStores } from '../../__testUtils__/storeDatabase';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'SourceStateStore on %p',
  databaseId => {
    it('saves and loads a watch cursor; the newest one wins', async () => {
      const { store } = await migratedStores(databases, databaseId);
      const source = 'kubernetes:prod:v1/Event';
      expect(await store.sourceState.loadCursor({ source })).toBeUndefined();
      await store.sourceState.saveCursor({ source, cursor: '100' });
      await store.sourceState.saveCursor({ source, cursor: '142' });
      expect(await store.sourceState.loadCursor({ source })).toBe('142');
      expect(
        await store.sourceState.loadCursor({
          source: 'kubernetes:dev:v1/Event',
        }),
      ).toBeUndefined();
    });

    it('starts a schedule once and remembers its last tick', async () => {
      const { store } = await migratedStores(databases, databaseId);
      const name = 'nightly';
      expect(await store.sourceState.lastTick({ name })).toBeUndefined();
      await store.sourceState.startSchedule({ name, at: 1_000 });
      // A second replica starting the same schedule keeps the first start.
      await store.sourceState.startSchedule({ name, at: 2_000 });
      expect(await store.sourceState.lastTick({ name })).toBe(1_000);
      await store.sourceState.saveTick({ name, tick: 86_400_000 });
      expect(await store.sourceState.lastTick({ name })).toBe(86_400_000);
    });
  },
);
