import { Knex } from 'knex';
import { DbApprovalRow } from '../tables';

/** An approval a run's step waits for (approval:wait). */
export interface Approval {
  status: DbApprovalRow['status'];
  prompt: string;
  /** Epoch ms when the step first asked: a resumed run keeps its deadline. */
  requestedAt: number;
  decidedBy?: string;
  comment?: string;
}

function toApproval(row: DbApprovalRow): Approval {
  return {
    status: row.status,
    prompt: row.prompt,
    requestedAt: new Date(row.requested_at).getTime(),
    ...(row.decided_by ? { decidedBy: row.decided_by } : {}),
    ...(row.comment ? { comment: row.comment } : {}),
  };
}

/**
 * Asks for an approval of a run's step, once: a run resumed by another process
 * finds the same request (and its decision, if any).
 */
export async function requestApproval(
  knex: Knex,
  options: { runId: string; stepId: string; prompt: string },
): Promise<Approval> {
  const key = { run_id: options.runId, step_id: options.stepId };
  await knex('edo_approvals')
    .insert({
      ...key,
      status: 'waiting',
      prompt: options.prompt,
      requested_at: new Date().toISOString(),
    })
    .onConflict(['run_id', 'step_id'])
    .ignore();
  return toApproval(await knex('edo_approvals').where(key).first());
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
