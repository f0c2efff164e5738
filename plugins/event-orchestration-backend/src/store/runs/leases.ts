import { RunStatus } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { DbRunRow } from '../tables';
import { RunRecord, toRunRecords } from './runRecords';

/**
 * Leases runs that need work: pending ones, and running ones whose lease
 * expired because the process executing them died.
 */
export async function leaseRunnableRuns(
  knex: Knex,
  options: { owner: string; leaseMs: number; limit: number },
): Promise<RunRecord[]> {
  const now = Date.now();
  const candidates: Array<Pick<DbRunRow, 'id'>> = await knex('edo_runs')
    .whereIn('status', ['pending', 'running'])
    .andWhere(q => q.whereNull('lease_until').orWhere('lease_until', '<', now))
    .orderBy('seq', 'asc')
    .limit(options.limit)
    .select('id');
  const leased: string[] = [];
  for (const { id } of candidates) {
    // Only if no other process leased it since the select.
    const updated = await knex('edo_runs')
      .where({ id })
      .whereIn('status', ['pending', 'running'])
      .andWhere(q =>
        q.whereNull('lease_until').orWhere('lease_until', '<', Date.now()),
      )
      .update({
        lease_until: Date.now() + options.leaseMs,
        lease_owner: options.owner,
      });
    if (updated === 1) leased.push(id);
  }
  if (leased.length === 0) return [];
  const rows: DbRunRow[] = await knex('edo_runs')
    .whereIn('id', leased)
    .orderBy('seq');
  return toRunRecords(knex, rows);
}

export async function renewRunLease(
  knex: Knex,
  options: { id: string; owner: string; leaseMs: number },
): Promise<void> {
  await knex('edo_runs')
    .where({ id: options.id, lease_owner: options.owner })
    .update({ lease_until: Date.now() + options.leaseMs });
}

/**
 * Records a run's outcome if this process still holds it (running, leased to
 * `owner`): a process that lost its lease or a cancelled run writes nothing.
 */
export async function finishRun(
  knex: Knex,
  options: {
    id: string;
    owner: string;
    status: RunStatus;
    error: string | null;
  },
): Promise<boolean> {
  const updated = await knex('edo_runs')
    .where({ id: options.id, status: 'running', lease_owner: options.owner })
    .update({
      status: options.status,
      error: options.error,
      finished_at: new Date().toISOString(),
      lease_until: null,
      lease_owner: null,
    });
  return updated === 1;
}
