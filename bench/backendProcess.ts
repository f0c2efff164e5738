/* eslint-disable no-console */
/**
 * A backend replica as its own process, for the benches and the chaos run that
 * need several of them or need to `kill -9` one: Backstage's test backend with
 * the event-orchestration plugin on a real database shared with the other
 * replicas (PostgreSQL, or a SQLite file where no PostgreSQL answers).
 *
 * Env: BENCH_BACKEND_CONFIG (the app-config as JSON: bus, sources, sensors),
 * BENCH_PG_URL or BENCH_SQLITE_FILE. Prints `ready <port>` once it listens on
 * the free port the test backend picked; SIGTERM stops it cleanly.
 *
 * Run by: bench/chaos/chaos.ts, bench/load.bench.ts (not on its own).
 */
import knexFactory from 'knex';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { eventOrchestrationPlugin } from '../plugins/event-orchestration-backend/src/plugin';

async function main() {
  const knex = process.env.BENCH_PG_URL
    ? knexFactory({
        client: 'pg',
        connection: process.env.BENCH_PG_URL,
        pool: { min: 0, max: 10 },
      })
    : knexFactory({
        client: 'better-sqlite3',
        connection: { filename: process.env.BENCH_SQLITE_FILE! },
        useNullAsDefault: true,
      });
  const backend = await startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: JSON.parse(process.env.BENCH_BACKEND_CONFIG!),
      }),
    ],
  });
  const address = backend.server.address() as { port: number };
  console.log(`ready ${address.port}`);
  process.on('SIGTERM', () => {
    backend.stop().finally(() => process.exit(0));
  });
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
