import { RunAuditEntry } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { parseJson } from '../rows';
import { DbApprovalRow, DbRunRow } from '../tables';

/** The run's audit with `entry` appended, as stored. */
function appended(audit: string | null | undefined, entry: RunAuditEntry) {
  return JSON.stringify([...parseJson<RunAuditEntry[]>(audit, []), entry]);
}

/**
 * Moves a run from one of `from` to a new state in one transaction, with the
 * audit entry appended; returns false (changing nothing) when the run is in
 * another state. `steps` updates the run's steps to match.
 */
async function transitionRun(
  knex: Knex,
  options: {
    id: string;
    entry: RunAuditEntry;
    from: string[];
    run: Partial<DbRunRow>;
    steps(tx: Knex.Transaction): Promise<void>;
  },
): Promise<boolean> {
  const { id, entry } = options;
  return knex.transaction(async tx => {
    const row: Pick<DbRunRow, 'status' | 'audit'> | undefined = await tx(
      'edo_runs',
    )
      .where({ id })
      .forUpdate()
      .first('status', 'audit');
    if (!row || !options.from.includes(row.status)) return false;
    await tx('edo_runs')
      .where({ id })
      .update({ ...options.run, audit: appended(row.audit, entry) });
    await options.steps(tx);
    return true;
  });
}

/**
 * Cancels a run that has not finished; returns false when it already had.
 * The process executing it notices and aborts the step in flight; a run
 * waiting for an approval is held by no process, so its step ends here.
 */
export function cancelRun(
  knex: Knex,
  options: { id: string; entry: RunAuditEntry },
): Promise<boolean> {
  return transitionRun(knex, {
    ...options,
    from: ['pending', 'running', 'waiting'],
    run: {
      status: 'cancelled',
      finished_at: new Date().toISOString(),
      error: `cancelled by ${options.entry.actor}`,
      lease_until: null,
      lease_owner: null,
    },
    steps: async tx => {
      await tx('edo_run_steps')
        .where({ run_id: options.id })
        .whereIn('status', ['pending'])
        .update({ status: 'skipped' });
      // A waiting run has no process to notice: its step ends here.
      await tx('edo_run_steps')
        .where({ run_id: options.id, status: 'waiting' })
        .update({ status: 'cancelled', finished_at: new Date().toISOString() });
    },
  });
}

/**
 * Makes a failed or cancelled run pending again from its first step that did
 * not succeed; succeeded steps keep their outputs. Returns false when the run
 * is not failed or cancelled.
 */
export function retryRun(
  knex: Knex,
  options: { id: string; entry: RunAuditEntry },
): Promise<boolean> {
  return transitionRun(knex, {
    ...options,
    from: ['failed', 'cancelled'],
    run: {
      status: 'pending',
      finished_at: null,
      error: null,
      lease_until: null,
      lease_owner: null,
    },
    steps: async tx => {
      await tx('edo_run_steps')
        .where({ run_id: options.id })
        .whereNot('status', 'succeeded')
        .update({ status: 'pending', error: null, finished_at: null });
      // onFailure steps that ran belong to the failed attempt: they may run again.
      await tx('edo_run_steps')
        .where({ run_id: options.id, phase: 'onFailure' })
        .update({ status: 'pending', error: null, finished_at: null });
    },
  });
}

/**
 * Decides the approval a run is waiting for; returns false when it waits for
 * none (never asked, already decided, timed out, or the run ended). A run
 * parked in status `waiting` becomes runnable again (`running`, no lease):
 * call the run engine's notify() after. The run is locked first, as parkRun
 * locks it, so a decision and a parking cannot cross.
 */
export async function decideApproval(
  knex: Knex,
  options: {
    runId: string;
    decision: 'approve' | 'reject';
    entry: RunAuditEntry;
    /**
     * The approval step the decider was checked against: when the run waits
     * at another one by now, nothing is decided (false).
     */
    stepId?: string;
  },
): Promise<boolean> {
  const { runId, decision, entry, stepId } = options;
  return knex.transaction(async tx => {
    const run: Pick<DbRunRow, 'status' | 'audit'> | undefined = await tx(
      'edo_runs',
    )
      .where({ id: runId })
      .forUpdate()
      .first('status', 'audit');
    if (!run || !['running', 'waiting'].includes(run.status)) return false;
    const waiting: DbApprovalRow | undefined = await tx('edo_approvals')
      .where({ run_id: runId, status: 'waiting' })
      .first();
    if (!waiting) return false;
    if (stepId !== undefined && waiting.step_id !== stepId) return false;
    await tx('edo_approvals')
      .where({ run_id: runId, step_id: waiting.step_id, status: 'waiting' })
      .update({
        status: decision === 'approve' ? 'approved' : 'rejected',
        decided_by: entry.actor,
        comment: entry.comment ?? null,
        decided_at: entry.at,
      });
    await tx('edo_runs')
      .where({ id: runId })
      .update({
        audit: appended(run.audit, entry),
        ...(run.status === 'waiting'
          ? { status: 'running', lease_until: null, lease_owner: null }
          : {}),
      });
    return true;
  });
}
