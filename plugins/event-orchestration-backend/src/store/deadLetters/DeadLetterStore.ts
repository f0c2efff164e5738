import { DeadLetterRedrive } from '@edo/plugin-event-orchestration-common';
import { StoreDatabase } from '../database';
import { pageSize } from '../rows';
import { DbDeadLetterRedriveRow } from '../tables';

/**
 * Re-drives of dead-lettered events with who asked for them
 * (`edo_dead_letter_redrives`): the audit of a manual action, whichever bus
 * is in force.
 */
export class DeadLetterStore {
  constructor(private readonly db: StoreDatabase) {}

  async recordRedrive(entry: DeadLetterRedrive): Promise<void> {
    await this.db.knex('edo_dead_letter_redrives').insert({
      subscriber: entry.subscriber,
      event_id: entry.eventId,
      event_type: entry.eventType,
      actor: entry.actor,
      at: entry.at,
      comment: entry.comment ?? null,
    });
  }

  /** Re-drives, newest first, optionally of one subscriber's dead letter of one event. */
  async listRedrives(
    query: { subscriber?: string; eventId?: string; limit?: number } = {},
  ): Promise<DeadLetterRedrive[]> {
    const q = this.db
      .knex('edo_dead_letter_redrives')
      .orderBy('seq', 'desc')
      .limit(pageSize(query.limit));
    if (query.subscriber !== undefined) q.where('subscriber', query.subscriber);
    if (query.eventId !== undefined) q.where('event_id', query.eventId);
    const rows: DbDeadLetterRedriveRow[] = await q;
    return rows.map(row => ({
      subscriber: row.subscriber,
      eventId: row.event_id,
      eventType: row.event_type,
      actor: row.actor,
      at: row.at,
      ...(row.comment ? { comment: row.comment } : {}),
    }));
  }

  /** Retention: at most `limit` records of re-drives made before `before`. */
  async deleteRedrivesBefore(options: {
    before: Date;
    limit: number;
  }): Promise<number> {
    const { knex } = this.db;
    return knex('edo_dead_letter_redrives')
      .whereIn(
        'seq',
        knex('edo_dead_letter_redrives')
          .where('at', '<', options.before.toISOString())
          .orderBy('seq')
          .limit(options.limit)
          .select('seq'),
      )
      .delete();
  }
}
