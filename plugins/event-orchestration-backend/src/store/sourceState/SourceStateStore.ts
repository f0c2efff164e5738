import { StoreDatabase } from '../database';
import { DbScheduleStateRow, DbSourceCursorRow } from '../tables';

/**
 * Where sources got to, so a restarted backend resumes instead of missing
 * what happened: watch cursors (`edo_source_cursors`, a Kubernetes
 * resourceVersion) and each schedule's last tick (`edo_schedule_state`).
 */
export class SourceStateStore {
  constructor(private readonly db: StoreDatabase) {}

  /** The saved cursor of a source, e.g. `kubernetes:prod:v1/Event`. */
  async loadCursor(options: { source: string }): Promise<string | undefined> {
    const row: DbSourceCursorRow | undefined = await this.db
      .knex('edo_source_cursors')
      .where({ source: options.source })
      .first();
    return row?.cursor;
  }

  async saveCursor(options: { source: string; cursor: string }): Promise<void> {
    await this.db
      .knex('edo_source_cursors')
      .insert({
        source: options.source,
        cursor: options.cursor,
        updated_at: new Date().toISOString(),
      })
      .onConflict('source')
      .merge();
  }

  /** Epoch ms of the last tick a schedule emitted; undefined for a new schedule. */
  async lastTick(options: { name: string }): Promise<number | undefined> {
    const row: DbScheduleStateRow | undefined = await this.db
      .knex('edo_schedule_state')
      .where({ name: options.name })
      .first();
    return row ? Number(row.last_tick) : undefined;
  }

  /** A new schedule starts counting from `at`; an existing one keeps its tick. */
  async startSchedule(options: { name: string; at: number }): Promise<void> {
    await this.db
      .knex('edo_schedule_state')
      .insert({ name: options.name, last_tick: options.at })
      .onConflict('name')
      .ignore();
  }

  async saveTick(options: { name: string; tick: number }): Promise<void> {
    await this.db
      .knex('edo_schedule_state')
      .where({ name: options.name })
      .update({ last_tick: options.tick });
  }
}
