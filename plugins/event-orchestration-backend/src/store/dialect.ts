import { Knex } from 'knex';

/** The SQL dialects the plugin runs on. */
export type Dialect = 'sqlite' | 'postgres';

/** Which dialect a knex client speaks, decided once per database. */
export function dialectOf(knex: Knex): Dialect {
  const client = String(knex.client.config?.client ?? '');
  return /^(pg|postgres)/.test(client) ? 'postgres' : 'sqlite';
}

/** True on PostgreSQL: more work at once pays there (SQLite has one writer). */
export function isPostgres(knex: Knex): boolean {
  return dialectOf(knex) === 'postgres';
}

/**
 * A time bound as a timestamp column holds it: SQLite keeps the ISO strings we
 * write (ISO strings of one format compare in time order), PostgreSQL
 * timestamptz.
 */
export function timeValue(dialect: Dialect, time: Date): string | Date {
  return dialect === 'sqlite' ? time.toISOString() : time;
}

/**
 * A case-sensitive substring test of a text column against one bound value
 * (LIKE would read `_` and `%` as wildcards, and SQLite's ignores case).
 */
export function containsSql(dialect: Dialect, column: string): string {
  return dialect === 'sqlite'
    ? `instr(${column}, ?) > 0`
    : `strpos(${column}, ?) > 0`;
}
