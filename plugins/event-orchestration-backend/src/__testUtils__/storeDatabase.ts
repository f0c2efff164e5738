import { TestDatabaseId } from '@backstage/backend-test-utils';
import { OrchestrationDatabase } from '../store';
import { createTestDatabases } from './testDatabases';

/** A migrated test database and the stores over it. */
export async function migratedStores(
  databases: ReturnType<typeof createTestDatabases>,
  databaseId: TestDatabaseId,
  secrets: string[] = [],
) {
  const knex = await databases.init(databaseId);
  await knex.migrate.latest({ directory: `${__dirname}/../../migrations` });
  return { knex, store: OrchestrationDatabase.create({ knex, secrets }) };
}
