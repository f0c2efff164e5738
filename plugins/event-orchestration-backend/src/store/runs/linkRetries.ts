import { StoreDatabase, StoreTransaction, knexOf } from '../database';
import { chunks, insertEntityLinks } from '../rows';
import { DbRunLinkRetryRow } from '../tables';

/**
 * `edo_run_link_retries`, part of the runs area: runs a sensor started from an
 * event that was waiting to be linked, and that concern no entity. They get
 * the event's entities when it is linked.
 */
export class RunLinkRetries {
  constructor(private readonly db: StoreDatabase) {}

  /** The run gets the event's entities once the event is linked. */
  async add(
    tx: StoreTransaction,
    options: { runId: string; eventId: string },
  ): Promise<void> {
    await knexOf(tx)('edo_run_link_retries').insert({
      run_id: options.runId,
      event_id: options.eventId,
    });
  }

  /** Links the runs waiting for these events to `entityRefs`; they wait no more. */
  async linkRunsOf(
    tx: StoreTransaction,
    options: { eventIds: string[]; entityRefs: string[] },
  ): Promise<void> {
    const db = knexOf(tx);
    for (const part of chunks(options.eventIds)) {
      const rows: Array<Pick<DbRunLinkRetryRow, 'run_id'>> = await db(
        'edo_run_link_retries',
      )
        .whereIn('event_id', part)
        .select('run_id');
      await insertEntityLinks(
        db,
        'edo_run_entities',
        'run_id',
        rows.map(row => row.run_id),
        options.entityRefs,
      );
      await db('edo_run_link_retries').whereIn('event_id', part).delete();
    }
  }

  /** Runs whose event is no longer waiting to be linked (given up) wait no more. */
  async forgetWhereEventGaveUp(): Promise<void> {
    const { knex } = this.db;
    // Reads the events area's waiting list: one statement.
    await knex('edo_run_link_retries')
      .whereNotIn('event_id', knex('edo_event_link_retries').select('event_id'))
      .delete();
  }

  /** Retention: the events are deleted. */
  async forgetOf(
    tx: StoreTransaction,
    options: { eventIds: string[] },
  ): Promise<void> {
    await knexOf(tx)('edo_run_link_retries')
      .whereIn('event_id', options.eventIds)
      .delete();
  }
}
