import { Knex } from 'knex';
import { parseJson } from '../rows';
import { DbApprovalRow, DbRunRow } from '../tables';

/** An approval a run's step waits for (approval:wait). */
export interface Approval {
  status: DbApprovalRow['status'];
  prompt: string;
  /** Epoch ms when the step first asked: a resumed run keeps its deadline. */
  requestedAt: number;
  /** Epoch ms when the request runs out, if stored (requests made since it is). */
  expiresAt?: number;
  /**
   * User and group refs who may decide, resolved when the step asked; absent
   * when the step declared none (anyone with the approve permission).
   */
  approvers?: string[];
  decidedBy?: string;
  comment?: string;
}

export function toApproval(row: DbApprovalRow): Approval {
  return {
    status: row.status,
    prompt: row.prompt,
    requestedAt: new Date(row.requested_at).getTime(),
    ...(row.expires_at_ms !== null && row.expires_at_ms !== undefined
      ? { expiresAt: Number(row.expires_at_ms) }
      : {}),
    ...(row.approvers
      ? { approvers: parseJson<string[]>(row.approvers, []) }
      : {}),
    ...(row.decided_by ? { decidedBy: row.decided_by } : {}),
    ...(row.comment ? { comment: row.comment } : {}),
  };
}

/**
 * Asks for an approval of a run's step, once: a run resumed by another process
 * (or woken after a decision) finds the same request and its decision, if
 * any. `timeoutMs` fixes the deadline from the first request on.
 */
export async function requestApproval(
  knex: Knex,
  options: {
    runId: string;
    stepId: string;
    prompt: string;
    timeoutMs: number;
    approvers?: string[];
  },
): Promise<Approval> {
  const key = { run_id: options.runId, step_id: options.stepId };
  const now = Date.now();
  await knex('edo_approvals')
    .insert({
      ...key,
      status: 'waiting',
      prompt: options.prompt,
      requested_at: new Date(now).toISOString(),
      expires_at_ms: now + options.timeoutMs,
      approvers: options.approvers ? JSON.stringify(options.approvers) : null,
    })
    .onConflict(['run_id', 'step_id'])
    .ignore();
  const row: DbApprovalRow = await knex('edo_approvals').where(key).first();
  if (row.expires_at_ms === null || row.expires_at_ms === undefined) {
    // Asked before deadlines were stored: keep the deadline the step had.
    const expires = new Date(row.requested_at).getTime() + options.timeoutMs;
    await knex('edo_approvals')
      .where(key)
      .whereNull('expires_at_ms')
      .update({ expires_at_ms: expires });
    return toApproval({ ...row, expires_at_ms: expires });
  }
  return toApproval(row);
}

export async function getApproval(
  knex: Knex,
  options: { runId: string; stepId: string },
): Promise<Approval | undefined> {
  const row: DbApprovalRow | undefined = await knex('edo_approvals')
    .where({ run_id: options.runId, step_id: options.stepId })
    .first();
  return row ? toApproval(row) : undefined;
}

/** The approval a run waits for now, if any. */
export async function getWaitingApproval(
  knex: Knex,
  options: { runId: string },
): Promise<(Approval & { stepId: string }) | undefined> {
  const row: DbApprovalRow | undefined = await knex('edo_approvals')
    .where({ run_id: options.runId, status: 'waiting' })
    .first();
  return row ? { ...toApproval(row), stepId: row.step_id } : undefined;
}

/**
 * Decides a still-waiting approval as timed out (approved when the run goes
 * on, rejected when it fails), so a late decision is refused.
 */
export async function timeOutApproval(
  knex: Knex,
  options: { runId: string; stepId: string; outcome: 'approved' | 'rejected' },
): Promise<void> {
  await knex('edo_approvals')
    .where({
      run_id: options.runId,
      step_id: options.stepId,
      status: 'waiting',
    })
    .update({
      status: options.outcome,
      decided_by: 'timeout',
      decided_at: new Date().toISOString(),
    });
}

/** How parking a run at its approval step turned out. */
export type ParkOutcome =
  /** The run waits in status `waiting`, with no lease: it holds no slot. */
  | 'parked'
  /** The approval was decided meanwhile: execute the step again now. */
  | 'decided'
  /** The run is no longer this process's (cancelled, or taken over). */
  | 'lost';

/**
 * Parks a run whose step waits for a decision: status `waiting`, lease
 * released, so it holds none of the worker's slots. Done in one transaction
 * with the run locked, as decideApproval locks it, so a decision made while
 * the step was looking cannot be missed (then `decided`).
 */
export async function parkRun(
  knex: Knex,
  options: { id: string; owner: string; stepId: string },
): Promise<ParkOutcome> {
  return knex.transaction(async tx => {
    const run: Pick<DbRunRow, 'status' | 'lease_owner'> | undefined = await tx(
      'edo_runs',
    )
      .where({ id: options.id })
      .forUpdate()
      .first('status', 'lease_owner');
    if (!run || run.status !== 'running' || run.lease_owner !== options.owner)
      return 'lost';
    const waiting = await tx('edo_approvals')
      .where({ run_id: options.id, step_id: options.stepId, status: 'waiting' })
      .first('run_id');
    if (!waiting) return 'decided';
    await tx('edo_runs')
      .where({ id: options.id })
      .update({ status: 'waiting', lease_until: null, lease_owner: null });
    return 'parked';
  });
}

/**
 * Makes runnable again (status `running`, no lease) the waiting runs whose
 * approval ran out by `now`, so the worker leases them and their step times
 * out as configured. Returns how many it woke.
 */
export async function wakeOverdueRuns(
  knex: Knex,
  options: { now: number },
): Promise<number> {
  return knex('edo_runs')
    .where({ status: 'waiting' })
    .whereIn(
      'id',
      knex('edo_approvals')
        .where({ status: 'waiting' })
        .where('expires_at_ms', '<=', options.now)
        .select('run_id'),
    )
    .update({ status: 'running', lease_until: null, lease_owner: null });
}
