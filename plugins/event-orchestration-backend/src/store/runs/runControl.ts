import { RunAuditEntry } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { parseJson } from '../rows';
import { DbApprovalRow, DbRunRow } from '../tables';

/** The run's audit with `entry` appended, as stored. */
function appended(audit: string | null | undefined, entry: RunAuditEntry) {
  return JSON.stringify([...parseJson<RunAuditEntry[]>(audit, []), entry]);
}

/**
 * Cancels a run that has not finished; returns false when it already had.
 * The process executing it notices and aborts the step in flight.
 */
export async function cancelRun(
  knex: Knex,
  options: { id: string; entry: RunAuditEntry },
): Promise<boolean> {
  const { id, entry } = options;
  return knex.transaction(async tx => {
    const row: Pick<DbRunRow, 'status' | 'audit'> | undefined = await tx(
      'edo_runs',
    )
      .where({ id })
      .forUpdate()
      .first('status', 'audit');
    if (!row || !['pending', 'running'].includes(row.status)) return false;
    await tx('edo_runs')
      .where({ id })
      .update({
        status: 'cancelled',
        finished_at: new Date().toISOString(),
        error: `cancelled by ${entry.actor}`,
        audit: appended(row.audit, entry),
      });
    await tx('edo_run_steps')
      .where({ run_id: id })
      .whereIn('status', ['pending'])
      .update({ status: 'skipped' });
    return true;
  });
}

/**
 * Makes a failed or cancelled run pending again from its first step that did
 * not succeed; succeeded steps keep their outputs. Returns false when the run
 * is not failed or cancelled.
 */
export async function retryRun(
  knex: Knex,
  options: { id: string; entry: RunAuditEntry },
): Promise<boolean> {
  const { id, entry } = options;
  return knex.transaction(async tx => {
    const row: Pick<DbRunRow, 'status' | 'audit'> | undefined = await tx(
      'edo_runs',
    )
      .where({ id })
      .forUpdate()
      .first('status', 'audit');
    if (!row || !['failed', 'cancelled'].includes(row.status)) return false;
    await tx('edo_runs')
      .where({ id })
      .update({
        status: 'pending',
        finished_at: null,
        error: null,
        lease_until: null,
        lease_owner: null,
        audit: appended(row.audit, entry),
      });
    await tx('edo_run_steps')
      .where({ run_id: id })
      .whereNot('status', 'succeeded')
      .update({ status: 'pending', error: null, finished_at: null });
    // onFailure steps that ran belong to the failed attempt: they may run again.
    await tx('edo_run_steps')
      .where({ run_id: id, phase: 'onFailure' })
      .update({ status: 'pending', error: null, finished_at: null });
    return true;
  });
}

/**
 * Decides the approval a run is waiting for; returns false when it waits for
 * none (never asked, already decided, or timed out).
 */
export async function decideApproval(
  knex: Knex,
  options: {
    runId: string;
    decision: 'approve' | 'reject';
    entry: RunAuditEntry;
  },
): Promise<boolean> {
  const { runId, decision, entry } = options;
  return knex.transaction(async tx => {
    const waiting: DbApprovalRow | undefined = await tx('edo_approvals')
      .where({ run_id: runId, status: 'waiting' })
      .forUpdate()
      .first();
    if (!waiting) return false;
    await tx('edo_approvals')
      .where({ run_id: runId, step_id: waiting.step_id, status: 'waiting' })
      .update({
        status: decision === 'approve' ? 'approved' : 'rejected',
        decided_by: entry.actor,
        comment: entry.comment ?? null,
        decided_at: entry.at,
      });
    const run: Pick<DbRunRow, 'audit'> | undefined = await tx('edo_runs')
      .where({ id: runId })
      .first('audit');
    await tx('edo_runs')
      .where({ id: runId })
      .update({ audit: appended(run?.audit, entry) });
    return true;
  });
}
