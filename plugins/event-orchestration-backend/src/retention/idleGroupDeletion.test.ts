import { Knex } from 'knex';
import { OrchestrationDatabase, storeTransactionOf } from '../store';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { until } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const key = { sensor: 'deploy', group_key: 'payments' };

/** Sessions of this test's database that wait for a lock another holds. */
async function lockWaits(knex: Knex): Promise<number> {
  const { rows } = await knex.raw(
    `select count(*) as n from pg_stat_activity
     where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return Number(rows[0].n);
}

// SQLite runs one writing transaction at a time: the race needs PostgreSQL.
describe.each(
  databases.eachSupportedId().filter(([id]) => id.startsWith('POSTGRES')),
)('deleting idle correlation groups on %s', databaseId => {
  it('a group row the retention task deletes while a correlation waits for its lock is locked again, so the next one waits', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest({ directory: `${__dirname}/../../migrations` });
    await knex('edo_sensor_groups').insert(key);

    // The retention task holds the idle group's row...
    const retention = await knex.transaction();
    await retention('edo_sensor_groups').where(key).forUpdate().first();
    // ...while an event of that group is correlated.
    const first = await knex.transaction();
    const { correlation } = OrchestrationDatabase.create({ knex });
    const firstLocked = correlation.lockGroup(storeTransactionOf(first), {
      sensor: key.sensor,
      group: key.group_key,
    });
    await until(async () => (await lockWaits(knex)) === 1, 'the first lock');
    await retention('edo_sensor_groups').where(key).delete();
    await retention.commit();
    await firstLocked;

    // A second event of the group must wait for the first correlation.
    const second = await knex.transaction();
    let secondLocked = false;
    const secondLocking = correlation
      .lockGroup(storeTransactionOf(second), {
        sensor: key.sensor,
        group: key.group_key,
      })
      .then(() => {
        secondLocked = true;
      });
    await until(
      async () => secondLocked || (await lockWaits(knex)) === 1,
      'the second lock to be taken or waited for',
    );
    expect(secondLocked).toBe(false);

    await first.commit();
    await secondLocking;
    expect(secondLocked).toBe(true);
    await second.commit();
    expect(await knex('edo_sensor_groups').where(key)).toHaveLength(1);
  });
});
