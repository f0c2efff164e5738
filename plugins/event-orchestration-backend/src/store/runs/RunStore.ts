import { randomUUID } from 'node:crypto';
import {
  ListResponse,
  RunAuditEntry,
  RunStatus,
  StepStatus,
} from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { StoreDatabase, StoreTransaction, knexOf } from '../database';
import { containsSql, timeValue } from '../dialect';
import { insertEntityLinks, pageOf } from '../rows';
import { DbRunRow } from '../tables';
import * as approvals from './approvals';
import * as leases from './leases';
import * as control from './runControl';
import * as retention from './runRetention';
import { RunLinkRetries } from './linkRetries';
import { NewRun, RunRecord, newRunRows, toRunRecords } from './runRecords';
import {
  NewActionRun,
  NewSensorRun,
  actionRun,
  sensorRun,
} from './runCreation';

/** Runs listed in an event's details, newest first. */
const RUNS_PER_EVENT = 100;

/** What `GET /runs` filters by. */
export interface RunQuery {
  entityRef?: string;
  sensor?: string;
  status?: RunStatus;
  /** Only runs created at or after this ISO time. */
  since?: string;
  limit?: number;
  cursor?: string;
}

/** A change to a step's record. */
export interface StepPatch {
  status?: StepStatus;
  input?: unknown;
  output?: Record<string, unknown>;
  error?: string | null;
  logs?: string[];
  attempts?: number;
  startedAt?: string;
  finishedAt?: string;
}

/**
 * The run lifecycle: runs and their idempotency, steps, entity links, leases,
 * manual control (cancel, retry) and approvals (`edo_runs`, `edo_run_steps`,
 * `edo_run_entities`, `edo_approvals`, `edo_run_link_retries`).
 */
export class RunStore {
  /** Runs waiting for their triggering event to be linked to entities. */
  readonly linkRetries: RunLinkRetries;

  constructor(private readonly db: StoreDatabase) {
    this.linkRetries = new RunLinkRetries(db);
  }

  /**
   * Creates a run with its steps in the caller's unit of work, unless one with
   * the same idempotency key exists (a redelivered event): then returns that
   * one with `created: false`.
   */
  async createRun(
    tx: StoreTransaction,
    newRun: NewRun,
  ): Promise<{ run: RunRecord; created: boolean }> {
    const db = knexOf(tx);
    const id = randomUUID();
    const rows = newRunRows(id, newRun);
    const inserted = await db('edo_runs')
      .insert(rows.run)
      .onConflict('idempotency_key')
      .ignore()
      .returning('id');
    const created = inserted.length > 0;
    if (created) {
      await insertEntityLinks(
        db,
        'edo_run_entities',
        'run_id',
        [id],
        newRun.entityRefs,
      );
      await db('edo_run_steps').insert(rows.steps);
    }
    const row: DbRunRow = created
      ? await db('edo_runs').where({ id }).first()
      : await db('edo_runs')
          .where({ idempotency_key: newRun.idempotencyKey })
          .first();
    const [run] = await toRunRecords(db, [row]);
    return { run, created };
  }

  /**
   * Creates the run of a sensor's match in the caller's unit of work, once per
   * sensor and triggering events (`created: false` for a redelivery).
   */
  createSensorRun(
    tx: StoreTransaction,
    request: NewSensorRun,
  ): Promise<{ run: RunRecord; created: boolean }> {
    return this.createRun(tx, sensorRun(request));
  }

  /** Creates a manual action run in its own unit of work, once per client key. */
  createActionRun(
    request: NewActionRun,
  ): Promise<{ run: RunRecord; created: boolean }> {
    return this.db.transaction(tx => this.createRun(tx, actionRun(request)));
  }

  /**
   * A run as of one moment. `snapshot: false` skips the transaction, for a run
   * that can no longer change (a finished one): two round trips fewer.
   */
  async getRun(options: {
    id: string;
    snapshot?: boolean;
  }): Promise<RunRecord | undefined> {
    const read = async (db: Knex) => {
      const row: DbRunRow | undefined = await db('edo_runs')
        .where({ id: options.id })
        .first();
      if (!row) return undefined;
      const [run] = await toRunRecords(db, [row]);
      return run;
    };
    return options.snapshot === false
      ? read(this.db.knex)
      : this.db.snapshot(read);
  }

  async listRuns(query: RunQuery): Promise<ListResponse<RunRecord>> {
    return this.db.snapshot(async db => {
      const { rows, nextCursor } = await pageOf<DbRunRow>(db, {
        table: 'edo_runs',
        links: { table: 'edo_run_entities', column: 'run_id' },
        entityRef: query.entityRef,
        limit: query.limit,
        cursor: query.cursor,
        filter: q => {
          if (query.sensor) q.where('t.sensor', query.sensor);
          if (query.status) q.where('t.status', query.status);
          if (query.since)
            q.where(
              't.created_at',
              '>=',
              timeValue(this.db.dialect, new Date(query.since)),
            );
        },
      });
      return {
        items: await toRunRecords(db, rows),
        ...(nextCursor ? { nextCursor } : {}),
      };
    });
  }

  /** The event's newest runs, at most RUNS_PER_EVENT (an event's details show no more). */
  async listRunsOfEvent(options: { eventId: string }): Promise<RunRecord[]> {
    // Trigger ids are stored as JSON text, with no link table: a substring
    // search narrows, the exact check confirms. The limit bounds what one
    // request reads; the scan itself is bounded by
    // eventOrchestration.retention.runs.
    const runs = await this.db.snapshot(async db => {
      const rows: DbRunRow[] = await db('edo_runs')
        .whereRaw(containsSql(this.db.dialect, 'trigger_event_ids'), [
          JSON.stringify(options.eventId),
        ])
        .orderBy('seq', 'desc')
        .limit(RUNS_PER_EVENT);
      return toRunRecords(db, rows);
    });
    return runs.filter(r => r.triggerEventIds.includes(options.eventId));
  }

  /** The run's status as stored now; the engine checks it for cancellation. */
  async getRunStatus(options: { id: string }): Promise<RunStatus | undefined> {
    const row: Pick<DbRunRow, 'status'> | undefined = await this.db
      .knex('edo_runs')
      .where({ id: options.id })
      .first('status');
    return row?.status as RunStatus | undefined;
  }

  async updateRun(options: {
    id: string;
    status?: RunStatus;
    startedAt?: string;
    finishedAt?: string;
    error?: string | null;
    releaseLease?: boolean;
  }): Promise<void> {
    const patch = options;
    await this.db
      .knex('edo_runs')
      .where({ id: options.id })
      .update({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.startedAt ? { started_at: patch.startedAt } : {}),
        ...(patch.finishedAt ? { finished_at: patch.finishedAt } : {}),
        ...(patch.error !== undefined ? { error: patch.error } : {}),
        ...(patch.releaseLease ? { lease_until: null, lease_owner: null } : {}),
      });
  }

  async updateStep(options: {
    runId: string;
    position: number;
    patch: StepPatch;
  }): Promise<void> {
    const { patch } = options;
    const json = (value: unknown) => JSON.stringify(value);
    await this.db
      .knex('edo_run_steps')
      .where({ run_id: options.runId, position: options.position })
      .update({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.input !== undefined ? { input: json(patch.input) } : {}),
        ...(patch.output !== undefined ? { output: json(patch.output) } : {}),
        ...(patch.error !== undefined ? { error: patch.error } : {}),
        ...(patch.logs !== undefined ? { logs: json(patch.logs) } : {}),
        ...(patch.attempts !== undefined ? { attempts: patch.attempts } : {}),
        ...(patch.startedAt ? { started_at: patch.startedAt } : {}),
        ...(patch.finishedAt ? { finished_at: patch.finishedAt } : {}),
      });
  }

  leaseRunnableRuns(options: {
    owner: string;
    leaseMs: number;
    limit: number;
  }) {
    return leases.leaseRunnableRuns(this.db.knex, options);
  }

  renewLease(options: { id: string; owner: string; leaseMs: number }) {
    return leases.renewRunLease(this.db.knex, options);
  }

  finishRun(options: {
    id: string;
    owner: string;
    status: RunStatus;
    error: string | null;
  }) {
    return leases.finishRun(this.db.knex, options);
  }

  cancelRun(options: { id: string; entry: RunAuditEntry }) {
    return control.cancelRun(this.db.knex, options);
  }

  retryRun(options: { id: string; entry: RunAuditEntry }) {
    return control.retryRun(this.db.knex, options);
  }

  decideApproval(options: {
    runId: string;
    decision: 'approve' | 'reject';
    entry: RunAuditEntry;
    stepId?: string;
  }) {
    return control.decideApproval(this.db.knex, options);
  }

  requestApproval(options: {
    runId: string;
    stepId: string;
    prompt: string;
    timeoutMs: number;
    approvers?: string[];
  }) {
    return approvals.requestApproval(this.db.knex, options);
  }

  getApproval(options: { runId: string; stepId: string }) {
    return approvals.getApproval(this.db.knex, options);
  }

  /** The approval the run waits for now, if any (who may decide it). */
  getWaitingApproval(options: { runId: string }) {
    return approvals.getWaitingApproval(this.db.knex, options);
  }

  /** Parks a run at its waiting approval step, releasing its lease (see approvals.ts). */
  parkRun(options: { id: string; owner: string; stepId: string }) {
    return approvals.parkRun(this.db.knex, options);
  }

  /** Makes runnable the waiting runs whose approval ran out by `now`. */
  wakeOverdueRuns(options: { now: number } = { now: Date.now() }) {
    return approvals.wakeOverdueRuns(this.db.knex, options);
  }

  timeOutApproval(options: {
    runId: string;
    stepId: string;
    outcome: 'approved' | 'rejected';
  }) {
    return approvals.timeOutApproval(this.db.knex, options);
  }

  /** Runs of a sensor's group that have not finished. */
  async unfinishedRunsOfGroup(
    tx: StoreTransaction,
    options: { sensor: string; group: string },
  ): Promise<string[]> {
    const rows: Array<Pick<DbRunRow, 'id'>> = await knexOf(tx)('edo_runs')
      .where({ sensor: options.sensor, group_key: options.group })
      .whereIn('status', ['pending', 'running', 'waiting'])
      .select('id');
    return rows.map(r => r.id);
  }

  /** How many runs each sensor started. */
  async countsBySensor(): Promise<Map<string, number>> {
    const rows = await this.db
      .knex('edo_runs')
      .select('sensor')
      .count({ n: '*' })
      .groupBy('sensor');
    return new Map(rows.map((r: any) => [r.sensor, Number(r.n)]));
  }

  /** Retention: at most `limit` finished runs (see runRetention.ts). */
  deleteFinishedRuns(options: { before: Date; limit: number }) {
    return retention.deleteFinishedRuns(this.db.knex, this.db.dialect, options);
  }

  /** Retention: events that unfinished runs were started from. */
  eventsOfUnfinishedRuns(tx: StoreTransaction): Promise<Set<string>> {
    return retention.eventsOfUnfinishedRuns(knexOf(tx));
  }
}
