import { StoreDatabase, StoreTransaction, knexOf } from '../database';
import { chunks } from '../rows';
import { DbEventLinkRetryRow, LinkRetryReason } from '../tables';

/**
 * `edo_event_link_retries`, part of the events area: events recorded while
 * their subject matched no entity, and when to look them up again. Times are
 * epoch ms, compared the same way on SQLite and PostgreSQL.
 */
export class EventLinkRetries {
  constructor(private readonly db: StoreDatabase) {}

  /** Events waiting, by why they wait. */
  async counts(): Promise<{
    catalogUnreachable: number;
    unknownSubject: number;
  }> {
    const rows: Array<{ reason: string; n: number | string }> = await this.db
      .knex('edo_event_link_retries')
      .groupBy('reason')
      .select('reason')
      .count({ n: '*' });
    const count = (reason: LinkRetryReason) =>
      Number(rows.find(r => r.reason === reason)?.n ?? 0);
    return {
      catalogUnreachable: count('catalog-unreachable'),
      unknownSubject: count('no-entity'),
    };
  }

  /** Subjects with an event due for another lookup, at most `limit`. */
  async dueSubjects(options: {
    now: number;
    limit: number;
  }): Promise<string[]> {
    const rows: Array<Pick<DbEventLinkRetryRow, 'subject'>> = await this.db
      .knex('edo_event_link_retries')
      .where('next_attempt_at_ms', '<=', options.now)
      .distinct('subject')
      .orderBy('subject')
      .limit(options.limit);
    return rows.map(row => row.subject);
  }

  /** Every event of the subject waiting to be linked, due or not. */
  async waitingEventsOf(
    tx: StoreTransaction,
    options: { subject: string },
  ): Promise<string[]> {
    const rows: Array<Pick<DbEventLinkRetryRow, 'event_id'>> = await knexOf(tx)(
      'edo_event_link_retries',
    )
      .where({ subject: options.subject })
      .select('event_id');
    return rows.map(row => row.event_id);
  }

  /** The events no longer wait (they are linked). */
  async forget(
    tx: StoreTransaction,
    options: { eventIds: string[] },
  ): Promise<void> {
    for (const part of chunks(options.eventIds)) {
      await knexOf(tx)('edo_event_link_retries')
        .whereIn('event_id', part)
        .delete();
    }
  }

  /**
   * Due events of the subject (all subjects when undefined) wait twice as long
   * as last time, up to `maxDelayMs`, or are dropped once received before
   * `giveUpReceivedBefore`: two statements, however many events a busy
   * subject has waiting.
   */
  async postpone(options: {
    subject?: string;
    reason: LinkRetryReason;
    now: number;
    giveUpReceivedBefore: number;
    firstDelayMs: number;
    maxDelayMs: number;
  }): Promise<{ gaveUp: number; postponed: number }> {
    const { knex } = this.db;
    const { subject, now, firstDelayMs, maxDelayMs } = options;
    const due = () =>
      knex('edo_event_link_retries')
        .where('next_attempt_at_ms', '<=', now)
        .modify(query => {
          if (subject !== undefined) query.where({ subject });
        });
    const gaveUp = await due()
      .where('received_at_ms', '<=', options.giveUpReceivedBefore)
      .delete();
    // The next wait for each number of attempts so far, in SQL.
    const waits = Array.from(
      { length: 16 },
      (_, attempts) =>
        `WHEN ${attempts} THEN ${Math.min(
          firstDelayMs * 2 ** (attempts + 1),
          maxDelayMs,
        )}`,
    ).join(' ');
    const postponed = await due().update({
      attempts: knex.raw('?? + 1', ['attempts']),
      reason: options.reason,
      next_attempt_at_ms: knex.raw(
        `CAST(? AS BIGINT) + CASE ?? ${waits} ELSE ${maxDelayMs} END`,
        [now, 'attempts'],
      ),
    });
    return { gaveUp: Number(gaveUp), postponed: Number(postponed) };
  }
}
