import {
  Run,
  RunAuditEntry,
  RunStep,
  WorkflowStep,
} from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { iso, parseJson } from '../rows';
import {
  DbApprovalRow,
  DbRunEntityRow,
  DbRunRow,
  DbRunStepRow,
} from '../tables';

/** What the run engine needs to create a run. */
export interface NewRun {
  sensor: string;
  idempotencyKey: string;
  triggerEventIds: string[];
  /** Which event satisfied which dependency. */
  triggerDependencies: Record<string, string>;
  entityRefs: string[];
  steps: WorkflowStep[];
  onFailure?: WorkflowStep[];
  /** A manual start (`POST /actions/:id/runs`) records its actor. */
  audit?: RunAuditEntry[];
  /** The sensor's correlation group the run was started for. */
  group?: string;
}

/** A run as the engine executes it: its definition and progress. */
export interface RunRecord extends Run {
  /** Main steps, then onFailure steps, in the positions of `steps`. */
  workflow: WorkflowStep[];
  triggerDependencies: Record<string, string>;
}

function toStep(s: DbRunStepRow): RunStep {
  return {
    id: s.step_id,
    action: s.action,
    phase: s.phase === 'onFailure' ? 'onFailure' : 'main',
    status: s.status as RunStep['status'],
    attempts: Number(s.attempts),
    ...(s.input ? { input: parseJson(s.input, undefined) } : {}),
    ...(s.output ? { output: parseJson(s.output, {}) } : {}),
    ...(s.error ? { error: s.error } : {}),
    ...(s.logs ? { logs: parseJson<string[]>(s.logs, []) } : {}),
    ...(s.started_at ? { startedAt: iso(s.started_at) } : {}),
    ...(s.finished_at ? { finishedAt: iso(s.finished_at) } : {}),
  };
}

/** Run rows with their steps, entities and waiting approval. */
export async function toRunRecords(
  db: Knex,
  rows: DbRunRow[],
): Promise<RunRecord[]> {
  const ids = rows.map(r => r.id);
  // Sequential on purpose: inside a transaction there is one connection.
  const steps: DbRunStepRow[] = ids.length
    ? await db('edo_run_steps').whereIn('run_id', ids).orderBy('position')
    : [];
  const entities: DbRunEntityRow[] = ids.length
    ? await db('edo_run_entities').whereIn('run_id', ids)
    : [];
  const approvals: DbApprovalRow[] = ids.length
    ? await db('edo_approvals')
        .whereIn('run_id', ids)
        .where({ status: 'waiting' })
    : [];
  return rows.map(row => {
    // A run that ended (cancelled while it waited) waits for nothing.
    const waiting = ['running', 'waiting'].includes(row.status)
      ? approvals.find(a => a.run_id === row.id)
      : undefined;
    return {
      id: row.id,
      sensor: row.sensor,
      status: row.status as RunRecord['status'],
      triggerEventIds: parseJson<string[]>(row.trigger_event_ids, []),
      entityRefs: entities
        .filter(e => e.run_id === row.id)
        .map(e => e.entity_ref)
        .sort(),
      createdAt: iso(row.created_at)!,
      ...(row.started_at ? { startedAt: iso(row.started_at) } : {}),
      ...(row.finished_at ? { finishedAt: iso(row.finished_at) } : {}),
      ...(row.error ? { error: row.error } : {}),
      workflow: parseJson<WorkflowStep[]>(row.workflow, []),
      triggerDependencies: parseJson<Record<string, string>>(
        row.trigger_dependencies,
        {},
      ),
      audit: parseJson<RunAuditEntry[]>(row.audit, []),
      ...(waiting
        ? {
            pendingApproval: {
              stepId: waiting.step_id,
              prompt: waiting.prompt,
              requestedAt: iso(waiting.requested_at)!,
              ...(waiting.expires_at_ms !== null &&
              waiting.expires_at_ms !== undefined
                ? {
                    expiresAt: new Date(
                      Number(waiting.expires_at_ms),
                    ).toISOString(),
                  }
                : {}),
              ...(waiting.approvers
                ? { approvers: parseJson<string[]>(waiting.approvers, []) }
                : {}),
            },
          }
        : {}),
      steps: steps.filter(s => s.run_id === row.id).map(toStep),
    };
  });
}

/** The row of a new run and of its steps. */
export function newRunRows(id: string, newRun: NewRun) {
  const run = {
    id,
    sensor: newRun.sensor,
    idempotency_key: newRun.idempotencyKey,
    status: 'pending',
    trigger_event_ids: JSON.stringify(newRun.triggerEventIds),
    trigger_dependencies: JSON.stringify(newRun.triggerDependencies),
    workflow: JSON.stringify([...newRun.steps, ...(newRun.onFailure ?? [])]),
    audit: JSON.stringify(newRun.audit ?? []),
    group_key: newRun.group ?? null,
    created_at: new Date().toISOString(),
  };
  const steps = [
    ...newRun.steps.map(step => ({ step, phase: 'main' })),
    ...(newRun.onFailure ?? []).map(step => ({ step, phase: 'onFailure' })),
  ].map(({ step, phase }, position) => ({
    run_id: id,
    position,
    step_id: step.id,
    action: step.action,
    status: 'pending',
    phase,
    attempts: 0,
  }));
  return { run, steps };
}
