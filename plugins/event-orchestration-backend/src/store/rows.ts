import { Knex } from 'knex';

/** Timestamps come back as Date (PostgreSQL), ISO text (SQLite) or epoch ms. */
export function iso(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  const asNumber = Number(value);
  if (
    typeof value === 'number' ||
    (!Number.isNaN(asNumber) && /^\d+$/.test(String(value)))
  ) {
    return new Date(asNumber).toISOString();
  }
  return new Date(String(value)).toISOString();
}

export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  return JSON.parse(text) as T;
}

/** A JSON list of ids; anything else reads as none. */
export function parseIds(text: unknown): string[] {
  if (typeof text !== 'string' || text === '') return [];
  const value = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : [];
}

/** Rows per statement: SQLite allows 999 bound values. */
const CHUNK = 200;

export function chunks<T>(items: T[], size = CHUNK): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}

const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;

export function pageSize(limit: number | undefined) {
  return Math.min(Math.max(limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
}

/** A cursor that cannot be decoded; the router turns it into a 400. */
export class InvalidCursorError extends Error {}

/** Opaque page cursors: the sequence number of the last item shown. */
function encodeCursor(seq: number) {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}
function decodeCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^seq:(\d+)$/.exec(text);
  if (!match) throw new Error('invalid cursor');
  return Number(match[1]);
}

/**
 * One page, newest first, of a table with a `seq` column, optionally limited
 * to the rows linked to an entity through a link table.
 */
export async function pageOf<Row extends { seq: number | string }>(
  db: Knex,
  options: {
    table: string;
    links: { table: string; column: string };
    entityRef?: string;
    limit?: number;
    cursor?: string;
    filter: (q: Knex.QueryBuilder) => void;
  },
): Promise<{ rows: Row[]; nextCursor?: string }> {
  let before: number | undefined;
  try {
    before = decodeCursor(options.cursor);
  } catch {
    throw new InvalidCursorError(`cursor '${options.cursor}' is not valid`);
  }
  const limit = pageSize(options.limit);
  const q = db(`${options.table} as t`).select('t.*');
  if (options.entityRef) {
    q.whereIn(
      't.id',
      db(options.links.table)
        .select(options.links.column)
        .where('entity_ref', options.entityRef.toLocaleLowerCase('en-US')),
    );
  }
  options.filter(q);
  if (before !== undefined) q.where('t.seq', '<', before);
  const rows: Row[] = await q.orderBy('t.seq', 'desc').limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    rows: page,
    ...(rows.length > limit
      ? { nextCursor: encodeCursor(Number(page[page.length - 1].seq)) }
      : {}),
  };
}

/** Links each of `ids` to each of `entityRefs` in an entity table; existing links stay. */
export async function insertEntityLinks(
  db: Knex,
  table: 'edo_event_entities' | 'edo_run_entities',
  idColumn: 'event_id' | 'run_id',
  ids: string[],
  entityRefs: string[],
): Promise<void> {
  const rows = ids.flatMap(id =>
    [...new Set(entityRefs)].map(ref => ({ [idColumn]: id, entity_ref: ref })),
  );
  for (const part of chunks(rows)) {
    await db(table).insert(part).onConflict([idColumn, 'entity_ref']).ignore();
  }
}
