import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { migratedStores } from '../../__testUtils__/storeDatabase';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const group = { sensor: 'deploy', group: 'shop' };

describe.each(databases.eachSupportedId())(
  'CorrelationStore on %p',
  databaseId => {
    it('keeps a group state written under its lock, and forgets what a failed unit of work wrote', async () => {
      const { store } = await migratedStores(databases, databaseId);
      await store.transaction(async tx => {
        const state = await store.correlation.lockGroup(tx, group);
        await state.putDependencyEvent('build', {
          eventId: 'b1',
          receivedAt: 100,
        });
        await state.putDependencyEvent('build', {
          eventId: 'b2',
          receivedAt: 200,
        });
        await state.addWindowEvent({ eventId: 'w2', receivedAt: 300 });
        await state.addWindowEvent({ eventId: 'w1', receivedAt: 250 });
        await state.recordFire(400);
      });
      await expect(
        store.transaction(async tx => {
          const state = await store.correlation.lockGroup(tx, group);
          await state.clear();
          throw new Error('the verdict could not be stored');
        }),
      ).rejects.toThrow('the verdict could not be stored');

      await store.transaction(async tx => {
        const state = await store.correlation.lockGroup(tx, group);
        expect(await state.dependencyEvents()).toEqual([
          { dependency: 'build', eventId: 'b2', receivedAt: 200 },
        ]);
        expect(await state.windowEventsSince(260)).toEqual([
          { eventId: 'w2', receivedAt: 300 },
        ]);
        expect(await state.lastFire()).toBe(400);
        expect(await state.firesSince(400, 'group')).toBe(1);
        expect(await state.firesSince(401, 'sensor')).toBe(0);
      });
      // Dry runs read the same state without a lock.
      expect(await store.correlation.rememberedEventsOf(group)).toEqual({
        dependencies: [{ dependency: 'build', eventId: 'b2', receivedAt: 200 }],
        window: [{ eventId: 'w2', receivedAt: 300 }],
      });
      expect(
        await store.correlation.firesOf({ sensor: 'deploy', limit: 10 }),
      ).toEqual([{ group: 'shop', at: 400 }]);
    });

    it('hands a due debounced fire to one taker, with the triggers of every push-back', async () => {
      const { store } = await migratedStores(databases, databaseId);
      const park = (eventId: string, dueAt: number) =>
        store.transaction(tx =>
          store.correlation.parkDebounced(tx, {
            ...group,
            dueAt,
            triggerEventIds: [eventId],
            entityRefs: ['component:default/shop'],
          }),
        );
      await park('e1', 1_000);
      await park('e2', 2_000);
      expect(await store.correlation.dueDebounces({ now: 1_500 })).toEqual([]);
      const [due] = await store.correlation.dueDebounces({ now: 2_000 });
      expect(due).toEqual({
        ...group,
        dueAt: 2_000,
        triggerEventIds: ['e1', 'e2'],
        entityRefs: ['component:default/shop'],
      });
      const taken = await Promise.all([
        store.transaction(tx => store.correlation.takeDebounced(tx, due)),
        store.transaction(tx => store.correlation.takeDebounced(tx, due)),
      ]);
      expect(taken.filter(Boolean)).toHaveLength(1);
      expect(await store.correlation.dueDebounces({ now: 3_000 })).toEqual([]);
    });

    it('deletes old state and then the lock rows of groups with none left (retention)', async () => {
      const { knex, store } = await migratedStores(databases, databaseId);
      for (const [name, at] of [
        ['old', 100],
        ['young', 10_000],
      ] as const) {
        await store.transaction(async tx => {
          const state = await store.correlation.lockGroup(tx, {
            sensor: 'deploy',
            group: name,
          });
          await state.addWindowEvent({
            eventId: `${name}-event`,
            receivedAt: at,
          });
        });
      }
      const held = await store.transaction(tx =>
        store.correlation.heldEvents(tx, {
          eventIds: ['old-event', 'young-event', 'unheld'],
        }),
      );
      expect(held).toEqual(new Set(['old-event', 'young-event']));

      expect(
        await store.correlation.deleteStateBefore({ before: 5_000, limit: 10 }),
      ).toBe(1);
      expect(await store.correlation.deleteIdleGroups({ limit: 10 })).toBe(1);
      expect((await knex('edo_sensor_groups')).map(g => g.group_key)).toEqual([
        'young',
      ]);
    });
  },
);
