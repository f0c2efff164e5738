import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

/**
 * SQLite always; PostgreSQL when the test command found a server and exported
 * its connection string (scripts/run-tests.js does this for 127.0.0.1:5432).
 */
export function createTestDatabases() {
  const ids: TestDatabaseId[] = ['SQLITE_3'];
  if (process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
    ids.push('POSTGRES_15');
  }
  return TestDatabases.create({ ids, disableDocker: true });
}
