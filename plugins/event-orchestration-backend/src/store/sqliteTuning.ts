import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { dialectOf } from './dialect';

/**
 * On a SQLite file, switches to write-ahead logging with `synchronous=NORMAL`:
 * a commit then appends to the log instead of syncing the database file, which
 * matters because better-sqlite3 commits on the event loop — with the default
 * rollback journal every commit blocked the process for an fsync and capped
 * webhook ingest near 660 events/s. A commit still survives a crash of the
 * process; only a power loss may take the last commits, acceptable for the
 * SQLite setups (development, demos) — production uses PostgreSQL.
 */
export async function tuneSqlite(
  knex: Knex,
  logger: LoggerService,
): Promise<void> {
  if (dialectOf(knex) !== 'sqlite') return;
  const connection = knex.client.config?.connection;
  const filename =
    typeof connection === 'string' ? connection : connection?.filename;
  if (!filename || filename === ':memory:') return;
  const rows = await knex.raw('PRAGMA journal_mode = WAL');
  const mode = Array.isArray(rows) ? rows[0]?.journal_mode : undefined;
  await knex.raw('PRAGMA synchronous = NORMAL');
  logger.info(
    `SQLite ${filename}: journal_mode=${mode ?? 'unknown'}, synchronous=NORMAL`,
  );
}
