import { TERMINAL_RUN_STATUSES } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { Dialect, timeValue } from '../dialect';
import { parseIds } from '../rows';
import { DbRunRow } from '../tables';

const LIVE_RUN_STATUSES = ['pending', 'running', 'waiting'];

/**
 * Runs that finished (succeeded, failed, cancelled) before `before`, with
 * their steps (and so their logs), entity links, approvals and link retries,
 * at most `limit`, in one transaction. Pending, running and waiting runs
 * (parked at an approval) stay.
 */
export async function deleteFinishedRuns(
  knex: Knex,
  dialect: Dialect,
  options: { before: Date; limit: number },
): Promise<number> {
  const bound = timeValue(dialect, options.before);
  const finishedBefore = (q: Knex.QueryBuilder) =>
    q
      .whereIn('status', TERMINAL_RUN_STATUSES as string[])
      .andWhere(w =>
        w
          .where('finished_at', '<', bound)
          .orWhere(n =>
            n.whereNull('finished_at').where('created_at', '<', bound),
          ),
      );
  return knex.transaction(async tx => {
    // Locked (PostgreSQL): a retry waits for this chunk, and a run a retry
    // made pending meanwhile is no longer selected.
    const deleted = (
      await finishedBefore(tx('edo_runs'))
        .orderBy('seq')
        .limit(options.limit)
        .forUpdate()
        .select('id')
    ).map((r: Pick<DbRunRow, 'id'>) => r.id);
    if (deleted.length === 0) return 0;
    await tx('edo_runs').whereIn('id', deleted).delete();
    for (const table of [
      'edo_run_steps',
      'edo_run_entities',
      'edo_approvals',
      'edo_run_link_retries',
    ]) {
      await tx(table).whereIn('run_id', deleted).delete();
    }
    return deleted.length;
  });
}

/** The events that pending, running and waiting runs were started from (they read them). */
export async function eventsOfUnfinishedRuns(
  tx: Knex.Transaction,
): Promise<Set<string>> {
  const held = new Set<string>();
  const rows: Array<Pick<DbRunRow, 'trigger_event_ids'>> = await tx('edo_runs')
    .whereIn('status', LIVE_RUN_STATUSES)
    .select('trigger_event_ids');
  for (const row of rows) {
    for (const id of parseIds(row.trigger_event_ids)) held.add(id);
  }
  return held;
}
