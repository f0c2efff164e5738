import { randomUUID } from 'node:crypto';
import {
  DeadLetterRedrive,
  EventDetails,
  ListResponse,
  OrchestrationEvent,
  Run,
  RunAuditEntry,
  RunStatus,
  RunStep,
  SensorEvaluation,
  SensorVerdict,
  StepStatus,
  StoredEvent,
  WorkflowStep,
} from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { redactSecrets, scrubText } from '../runs/redactSecrets';
import type { EvaluationStatus } from '../sensors/correlate';

const MAX_PAGE = 200;
/** Runs listed in an event's details, newest first. */
const RUNS_PER_EVENT = 100;
const DEFAULT_PAGE = 50;

/** Timestamps come back as Date (PostgreSQL) or ISO text (SQLite). */
function iso(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  const asNumber = Number(value);
  if (
    typeof value === 'number' ||
    (!Number.isNaN(asNumber) && /^\d+$/.test(String(value)))
  ) {
    return new Date(asNumber).toISOString();
  }
  return new Date(String(value)).toISOString();
}

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  return JSON.parse(text) as T;
}

/** Opaque page cursors: the sequence number of the last item shown. */
function encodeCursor(seq: number) {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}
function decodeCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^seq:(\d+)$/.exec(text);
  if (!match) throw new Error('invalid cursor');
  return Number(match[1]);
}

function pageSize(limit: number | undefined) {
  return Math.min(Math.max(limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
}

/**
 * An event whose subject could not be linked to an entity when it was recorded:
 * linked again later by `EventRelinker` (see `catalog/`).
 */
export interface LinkRetry {
  subject: string;
  reason: 'catalog-unreachable' | 'no-entity';
  firstDelayMs: number;
}

/** A cursor that cannot be decoded; the router turns it into a 400. */
export class InvalidCursorError extends Error {}

/**
 * A time bound as the column holds it: SQLite keeps the ISO strings we write
 * (ISO strings of one format compare in time order), PostgreSQL timestamptz.
 */
function sinceValue(knex: Knex, time: string): string | Date {
  const client = String(knex.client.config?.client ?? '');
  return client.includes('sqlite')
    ? new Date(time).toISOString()
    : new Date(time);
}

/**
 * One page, newest first, of a table with a `seq` column, optionally limited
 * to the rows linked to an entity through a link table.
 */
async function pageOf(
  knex: Knex,
  options: {
    table: string;
    links: { table: string; column: string };
    entityRef?: string;
    limit?: number;
    cursor?: string;
    filter: (q: Knex.QueryBuilder) => void;
  },
): Promise<{ rows: any[]; nextCursor?: string }> {
  let before: number | undefined;
  try {
    before = decodeCursor(options.cursor);
  } catch {
    throw new InvalidCursorError(`cursor '${options.cursor}' is not valid`);
  }
  const limit = pageSize(options.limit);
  const q = knex(`${options.table} as t`).select('t.*');
  if (options.entityRef) {
    q.whereIn(
      't.id',
      knex(options.links.table)
        .select(options.links.column)
        .where('entity_ref', options.entityRef.toLocaleLowerCase('en-US')),
    );
  }
  options.filter(q);
  if (before !== undefined) q.where('t.seq', '<', before);
  const rows = await q.orderBy('t.seq', 'desc').limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    rows: page,
    ...(rows.length > limit
      ? { nextCursor: encodeCursor(Number(page[page.length - 1].seq)) }
      : {}),
  };
}

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

/**
 * Everything the suite remembers: events, the entities they concern, sensors'
 * verdicts, runs and their steps. Every query runs on SQLite and PostgreSQL.
 */
export class OrchestrationStore {
  constructor(
    private readonly knex: Knex,
    /** Configured secret values: scrubbed from stored events (a sender may paste a token), as are secret keys and credential-shaped text. */
    private readonly secrets: string[] = [],
  ) {}

  /**
   * Stores an event once; a second call with the same id changes nothing.
   * Returns when the backend first received it (epoch ms, this backend's
   * clock): correlation runs on it, not on the sender's `time`.
   */
  async recordEvent(
    event: OrchestrationEvent,
    entityRefs: string[],
    linkRetry?: LinkRetry,
  ): Promise<{ receivedAt: number }> {
    const now = new Date();
    return this.knex.transaction(async tx => {
      const inserted = await tx('edo_events')
        .insert({
          id: event.id,
          type: event.type,
          source: event.source,
          subject: event.subject ?? null,
          time: event.time,
          envelope: JSON.stringify(redactSecrets(event, this.secrets)),
          received_at: now.toISOString(),
        })
        .onConflict('id')
        .ignore()
        .returning('id');
      if (inserted.length > 0 && entityRefs.length > 0) {
        await tx('edo_event_entities')
          .insert(
            [...new Set(entityRefs)].map(ref => ({
              event_id: event.id,
              entity_ref: ref,
            })),
          )
          .onConflict(['event_id', 'entity_ref'])
          .ignore();
      }
      if (inserted.length > 0 && linkRetry) {
        await tx('edo_event_link_retries').insert({
          event_id: event.id,
          subject: linkRetry.subject,
          reason: linkRetry.reason,
          attempts: 0,
          received_at_ms: now.getTime(),
          next_attempt_at_ms: now.getTime() + linkRetry.firstDelayMs,
        });
      }
      if (inserted.length > 0) return { receivedAt: now.getTime() };
      // A redelivery keeps the first receive time.
      const row = await tx('edo_events')
        .where({ id: event.id })
        .first('received_at');
      const first = Date.parse(iso(row?.received_at) ?? '');
      return { receivedAt: Number.isFinite(first) ? first : now.getTime() };
    });
  }

  /** Events waiting to be linked by subject, by why they wait (see EventRelinker). */
  async linkRetryCounts(): Promise<{
    catalogUnreachable: number;
    unknownSubject: number;
  }> {
    const rows: Array<{ reason: string; n: number | string }> = await this.knex(
      'edo_event_link_retries',
    )
      .groupBy('reason')
      .select('reason')
      .count({ n: '*' });
    const count = (reason: LinkRetry['reason']) =>
      Number(rows.find(r => r.reason === reason)?.n ?? 0);
    return {
      catalogUnreachable: count('catalog-unreachable'),
      unknownSubject: count('no-entity'),
    };
  }

  /**
   * Stores sensors' verdicts on an event. The first verdict stays: a redelivered
   * event must not turn "matched" into "pending".
   */
  async recordEvaluations(
    eventId: string,
    evaluations: Array<{
      sensor: string;
      status: EvaluationStatus;
      reason: string;
    }>,
    db: Knex = this.knex,
  ): Promise<void> {
    if (evaluations.length === 0) return;
    const now = new Date().toISOString();
    const rows = evaluations.map(e => ({
      event_id: eventId,
      sensor: e.sensor,
      matched: e.status === 'matched',
      status: e.status,
      // A reason quotes the event's data, which may carry a credential.
      reason: scrubText(e.reason, this.secrets),
      evaluated_at: now,
    }));
    // Chunks keep each statement under SQLite's limit of bound variables.
    for (let i = 0; i < rows.length; i += 100) {
      await db('edo_evaluations')
        .insert(rows.slice(i, i + 100))
        .onConflict(['event_id', 'sensor'])
        .ignore();
    }
  }

  /** A sensor's newest verdicts, newest first, with the type and subject of each event. */
  async listSensorVerdicts(
    sensor: string,
    limit: number,
  ): Promise<SensorVerdict[]> {
    const rows = await this.knex('edo_evaluations as v')
      .join('edo_events as e', 'e.id', 'v.event_id')
      .where('v.sensor', sensor)
      .orderBy([
        { column: 'v.evaluated_at', order: 'desc' },
        { column: 'v.event_id', order: 'desc' },
      ])
      .limit(limit)
      .select(
        'v.event_id',
        'e.type',
        'e.subject',
        'v.status',
        'v.reason',
        'v.evaluated_at',
      );
    return rows.map(r => ({
      eventId: r.event_id,
      eventType: r.type,
      ...(r.subject ? { subject: r.subject } : {}),
      status: r.status,
      reason: r.reason,
      evaluatedAt: r.evaluated_at,
    }));
  }

  /** Names of the sensors that have given their verdict on an event. */
  async sensorsWithEvaluation(eventId: string): Promise<Set<string>> {
    const rows = await this.knex('edo_evaluations')
      .where({ event_id: eventId })
      .select('sensor');
    return new Set(rows.map(r => r.sensor));
  }

  /** True when a sensor has already given its verdict on an event. */
  async hasEvaluation(eventId: string, sensor: string, db: Knex = this.knex) {
    const row = await db('edo_evaluations')
      .where({ event_id: eventId, sensor })
      .first('sensor');
    return Boolean(row);
  }

  async listEvents(query: {
    entityRef?: string;
    type?: string;
    /** Only events received at or after this ISO time. */
    since?: string;
    limit?: number;
    cursor?: string;
  }): Promise<ListResponse<StoredEvent>> {
    const { rows, nextCursor } = await pageOf(this.knex, {
      table: 'edo_events',
      links: { table: 'edo_event_entities', column: 'event_id' },
      entityRef: query.entityRef,
      limit: query.limit,
      cursor: query.cursor,
      filter: q => {
        if (query.type) q.where('t.type', query.type);
        if (query.since)
          q.where('t.received_at', '>=', sinceValue(this.knex, query.since));
      },
    });
    return {
      items: await this.toStoredEvents(rows),
      ...(nextCursor ? { nextCursor } : {}),
    };
  }

  private async toStoredEvents(rows: any[]): Promise<StoredEvent[]> {
    const ids = rows.map(r => r.id);
    const [entities, matches] = ids.length
      ? await Promise.all([
          this.knex('edo_event_entities').whereIn('event_id', ids),
          this.knex('edo_evaluations')
            .whereIn('event_id', ids)
            .andWhere('matched', true)
            .select('event_id', 'sensor'),
        ])
      : [[], []];
    return rows.map(row => ({
      event: parseJson<OrchestrationEvent>(row.envelope, {} as any),
      receivedAt: iso(row.received_at)!,
      entityRefs: entities
        .filter((e: any) => e.event_id === row.id)
        .map((e: any) => e.entity_ref)
        .sort(),
      matchedSensors: matches
        .filter((m: any) => m.event_id === row.id)
        .map((m: any) => m.sensor)
        .sort(),
    }));
  }

  async getEvent(id: string): Promise<EventDetails | undefined> {
    const row = await this.knex('edo_events').where({ id }).first();
    if (!row) return undefined;
    const [stored] = await this.toStoredEvents([row]);
    const evaluations = await this.knex('edo_evaluations')
      .where({ event_id: id })
      .orderBy('sensor');
    const runs = (await this.listRunsForEvent(id)).map(
      ({ workflow, triggerDependencies, ...run }) => run,
    );
    return {
      ...stored,
      evaluations: evaluations.map(
        (e: any): SensorEvaluation => ({
          sensor: e.sensor,
          matched: Boolean(e.matched),
          status: e.status,
          reason: e.reason,
          evaluatedAt: iso(e.evaluated_at)!,
        }),
      ),
      runs,
    };
  }

  /** Verdict counts per sensor, for `GET /sensors`. */
  async sensorCounters(): Promise<
    Map<
      string,
      {
        evaluated: number;
        matched: number;
        runsStarted: number;
        lastMatchAt?: string;
      }
    >
  > {
    const runs = await this.knex('edo_runs')
      .select('sensor')
      .count({ n: '*' })
      .groupBy('sensor');
    const runsBySensor = new Map(runs.map((r: any) => [r.sensor, Number(r.n)]));
    const rows = await this.knex('edo_evaluations')
      .select('sensor')
      .count({ evaluated: '*' })
      .select(
        this.knex.raw(
          'sum(case when matched then 1 else 0 end) as matched_count',
        ),
      )
      .select(
        this.knex.raw(
          'max(case when matched then evaluated_at else null end) as last_match_at',
        ),
      )
      .groupBy('sensor');
    return new Map(
      rows.map((r: any) => [
        r.sensor,
        {
          evaluated: Number(r.evaluated),
          matched: Number(r.matched_count ?? 0),
          runsStarted: runsBySensor.get(r.sensor) ?? 0,
          lastMatchAt: iso(r.last_match_at),
        },
      ]),
    );
  }

  /**
   * Creates a run with its steps, unless one with the same idempotency key exists
   * (a redelivered event): then returns that one with `created: false`.
   */
  async createRun(
    newRun: NewRun,
    db?: Knex.Transaction,
  ): Promise<{ run: RunRecord; created: boolean }> {
    const id = randomUUID();
    const insert = async (tx: Knex.Transaction) => {
      const inserted = await tx('edo_runs')
        .insert({
          id,
          sensor: newRun.sensor,
          idempotency_key: newRun.idempotencyKey,
          status: 'pending',
          trigger_event_ids: JSON.stringify(newRun.triggerEventIds),
          trigger_dependencies: JSON.stringify(newRun.triggerDependencies),
          workflow: JSON.stringify([
            ...newRun.steps,
            ...(newRun.onFailure ?? []),
          ]),
          audit: JSON.stringify(newRun.audit ?? []),
          group_key: newRun.group ?? null,
          created_at: new Date().toISOString(),
        })
        .onConflict('idempotency_key')
        .ignore()
        .returning('id');
      if (inserted.length === 0) return false;
      if (newRun.entityRefs.length > 0) {
        await tx('edo_run_entities').insert(
          [...new Set(newRun.entityRefs)].map(ref => ({
            run_id: id,
            entity_ref: ref,
          })),
        );
      }
      await tx('edo_run_steps').insert(
        [
          ...newRun.steps.map(step => ({ step, phase: 'main' })),
          ...(newRun.onFailure ?? []).map(step => ({
            step,
            phase: 'onFailure',
          })),
        ].map(({ step, phase }, position) => ({
          run_id: id,
          position,
          step_id: step.id,
          action: step.action,
          status: 'pending',
          phase,
          attempts: 0,
        })),
      );
      return true;
    };
    const created = db ? await insert(db) : await this.knex.transaction(insert);
    const reader = db ?? this.knex;
    const row = created
      ? await reader('edo_runs').where({ id }).first()
      : await reader('edo_runs')
          .where({ idempotency_key: newRun.idempotencyKey })
          .first();
    const [run] = await this.toRuns([row], reader);
    return { run, created };
  }

  /**
   * Leases runs that need work: pending ones, and running ones whose lease
   * expired because the process executing them died.
   */
  async leaseRunnableRuns(
    owner: string,
    leaseMs: number,
    limit: number,
  ): Promise<RunRecord[]> {
    const now = Date.now();
    const candidates = await this.knex('edo_runs')
      .whereIn('status', ['pending', 'running'])
      .andWhere(q =>
        q.whereNull('lease_until').orWhere('lease_until', '<', now),
      )
      .orderBy('seq', 'asc')
      .limit(limit)
      .select('id');
    const leased: string[] = [];
    for (const { id } of candidates) {
      const updated = await this.knex('edo_runs')
        .where({ id })
        .whereIn('status', ['pending', 'running'])
        .andWhere(q =>
          q.whereNull('lease_until').orWhere('lease_until', '<', Date.now()),
        )
        .update({ lease_until: Date.now() + leaseMs, lease_owner: owner });
      if (updated === 1) leased.push(id);
    }
    if (leased.length === 0) return [];
    const rows = await this.knex('edo_runs')
      .whereIn('id', leased)
      .orderBy('seq');
    return this.toRuns(rows);
  }

  async renewRunLease(id: string, owner: string, leaseMs: number) {
    await this.knex('edo_runs')
      .where({ id, lease_owner: owner })
      .update({ lease_until: Date.now() + leaseMs });
  }

  async updateRun(
    id: string,
    patch: {
      status?: RunStatus;
      startedAt?: string;
      finishedAt?: string;
      error?: string | null;
      releaseLease?: boolean;
    },
  ) {
    await this.knex('edo_runs')
      .where({ id })
      .update({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.startedAt ? { started_at: patch.startedAt } : {}),
        ...(patch.finishedAt ? { finished_at: patch.finishedAt } : {}),
        ...(patch.error !== undefined ? { error: patch.error } : {}),
        ...(patch.releaseLease ? { lease_until: null, lease_owner: null } : {}),
      });
  }

  async updateStep(
    runId: string,
    position: number,
    patch: {
      status?: StepStatus;
      input?: unknown;
      output?: Record<string, unknown>;
      error?: string | null;
      logs?: string[];
      attempts?: number;
      startedAt?: string;
      finishedAt?: string;
    },
  ) {
    await this.knex('edo_run_steps')
      .where({ run_id: runId, position })
      .update({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.input !== undefined
          ? { input: JSON.stringify(patch.input) }
          : {}),
        ...(patch.output !== undefined
          ? { output: JSON.stringify(patch.output) }
          : {}),
        ...(patch.error !== undefined ? { error: patch.error } : {}),
        ...(patch.logs !== undefined
          ? { logs: JSON.stringify(patch.logs) }
          : {}),
        ...(patch.attempts !== undefined ? { attempts: patch.attempts } : {}),
        ...(patch.startedAt ? { started_at: patch.startedAt } : {}),
        ...(patch.finishedAt ? { finished_at: patch.finishedAt } : {}),
      });
  }

  /**
   * Records a run's outcome if this process still holds it (running, leased to
   * `owner`): a process that lost its lease or a cancelled run writes nothing.
   */
  async finishRun(
    id: string,
    owner: string,
    status: RunStatus,
    error: string | null,
  ): Promise<boolean> {
    const updated = await this.knex('edo_runs')
      .where({ id, status: 'running', lease_owner: owner })
      .update({
        status,
        error,
        finished_at: new Date().toISOString(),
        lease_until: null,
        lease_owner: null,
      });
    return updated === 1;
  }

  /**
   * Decides the approval a run is waiting for; returns false when it waits for
   * none (never asked, already decided, or timed out).
   */
  async decideApproval(
    runId: string,
    decision: 'approve' | 'reject',
    entry: RunAuditEntry,
  ): Promise<boolean> {
    return this.knex.transaction(async tx => {
      const waiting = await tx('edo_approvals')
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
      const run = await tx('edo_runs').where({ id: runId }).first('audit');
      await tx('edo_runs')
        .where({ id: runId })
        .update({
          audit: JSON.stringify([
            ...parseJson<RunAuditEntry[]>(run?.audit, []),
            entry,
          ]),
        });
      return true;
    });
  }

  /** Runs of a sensor's group that have not finished. */
  async unfinishedRunsOfGroup(
    sensor: string,
    group: string,
    db: Knex = this.knex,
  ): Promise<string[]> {
    const rows = await db('edo_runs')
      .where({ sensor, group_key: group })
      .whereIn('status', ['pending', 'running'])
      .select('id');
    return rows.map(r => r.id);
  }

  /** The run's status as stored now; the engine checks it for cancellation. */
  async getRunStatus(id: string): Promise<RunStatus | undefined> {
    const row = await this.knex('edo_runs').where({ id }).first('status');
    return row?.status;
  }

  /**
   * Cancels a run that has not finished; returns false when it already had.
   * The process executing it notices and aborts the step in flight.
   */
  async cancelRun(id: string, entry: RunAuditEntry): Promise<boolean> {
    return this.knex.transaction(async tx => {
      const row = await tx('edo_runs')
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
          audit: JSON.stringify([
            ...parseJson<RunAuditEntry[]>(row.audit, []),
            entry,
          ]),
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
  async retryRun(id: string, entry: RunAuditEntry): Promise<boolean> {
    return this.knex.transaction(async tx => {
      const row = await tx('edo_runs')
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
          audit: JSON.stringify([
            ...parseJson<RunAuditEntry[]>(row.audit, []),
            entry,
          ]),
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
   * Reads in one snapshot: a run, its steps and its approval are queried
   * separately, and without one a concurrent decision could show a run neither
   * waiting nor with the decision in its audit. PostgreSQL: REPEATABLE READ;
   * SQLite: a read transaction already sees one snapshot of the WAL.
   */
  private snapshot<T>(read: (db: Knex.Transaction) => Promise<T>): Promise<T> {
    const client = String(this.knex.client.config?.client ?? '');
    return client.includes('sqlite')
      ? this.knex.transaction(read)
      : this.knex.transaction(read, { isolationLevel: 'repeatable read' });
  }

  /**
   * A run as of one moment. `snapshot: false` skips the transaction, for a run
   * that can no longer change (a finished one): two round trips fewer.
   */
  async getRun(
    id: string,
    options: { snapshot?: boolean } = {},
  ): Promise<RunRecord | undefined> {
    const read = async (db: Knex) => {
      const row = await db('edo_runs').where({ id }).first();
      if (!row) return undefined;
      const [run] = await this.toRuns([row], db);
      return run;
    };
    return options.snapshot === false ? read(this.knex) : this.snapshot(read);
  }

  async listRuns(query: {
    entityRef?: string;
    sensor?: string;
    status?: RunStatus;
    /** Only runs created at or after this ISO time. */
    since?: string;
    limit?: number;
    cursor?: string;
  }): Promise<ListResponse<RunRecord>> {
    return this.snapshot(async db => {
      const { rows, nextCursor } = await pageOf(db, {
        table: 'edo_runs',
        links: { table: 'edo_run_entities', column: 'run_id' },
        entityRef: query.entityRef,
        limit: query.limit,
        cursor: query.cursor,
        filter: q => {
          if (query.sensor) q.where('t.sensor', query.sensor);
          if (query.status) q.where('t.status', query.status);
          if (query.since)
            q.where('t.created_at', '>=', sinceValue(this.knex, query.since));
        },
      });
      return {
        items: await this.toRuns(rows, db),
        ...(nextCursor ? { nextCursor } : {}),
      };
    });
  }

  /** Keeps a re-drive of a dead letter with its actor (the audit of a manual action). */
  async recordRedrive(entry: DeadLetterRedrive): Promise<void> {
    await this.knex('edo_dead_letter_redrives').insert({
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
    const q = this.knex('edo_dead_letter_redrives')
      .orderBy('seq', 'desc')
      .limit(pageSize(query.limit));
    if (query.subscriber !== undefined) q.where('subscriber', query.subscriber);
    if (query.eventId !== undefined) q.where('event_id', query.eventId);
    return (await q).map((row: any) => ({
      subscriber: row.subscriber,
      eventId: row.event_id,
      eventType: row.event_type,
      actor: row.actor,
      at: row.at,
      ...(row.comment ? { comment: row.comment } : {}),
    }));
  }
  /** The event's newest runs, at most RUNS_PER_EVENT (an event's details show no more). */
  private async listRunsForEvent(eventId: string): Promise<RunRecord[]> {
    // Trigger ids are stored as JSON text, with no link table: a substring
    // search narrows (exact and case-sensitive: LIKE would read `_` and `%` in
    // an id as wildcards, and SQLite's ignores case), the exact check confirms.
    // The limit bounds what one request reads; the scan itself is bounded by
    // eventOrchestration.retention.runs.
    const client = String(this.knex.client.config?.client ?? '');
    const contains = client.includes('sqlite')
      ? 'instr(trigger_event_ids, ?) > 0'
      : 'strpos(trigger_event_ids, ?) > 0';
    const runs = await this.snapshot(async db => {
      const rows = await db('edo_runs')
        .whereRaw(contains, [JSON.stringify(eventId)])
        .orderBy('seq', 'desc')
        .limit(RUNS_PER_EVENT);
      return this.toRuns(rows, db);
    });
    return runs.filter(r => r.triggerEventIds.includes(eventId));
  }

  private async toRuns(
    rows: any[],
    db: Knex = this.knex,
  ): Promise<RunRecord[]> {
    const ids = rows.map(r => r.id);
    // Sequential on purpose: inside a transaction there is one connection.
    const steps = ids.length
      ? await db('edo_run_steps').whereIn('run_id', ids).orderBy('position')
      : [];
    const entities = ids.length
      ? await db('edo_run_entities').whereIn('run_id', ids)
      : [];
    const approvals = ids.length
      ? await db('edo_approvals')
          .whereIn('run_id', ids)
          .where({ status: 'waiting' })
      : [];
    return rows.map(row => ({
      id: row.id,
      sensor: row.sensor,
      status: row.status,
      triggerEventIds: parseJson<string[]>(row.trigger_event_ids, []),
      entityRefs: entities
        .filter((e: any) => e.run_id === row.id)
        .map((e: any) => e.entity_ref)
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
      ...(() => {
        const waiting = approvals.find((a: any) => a.run_id === row.id);
        return waiting
          ? {
              pendingApproval: {
                stepId: waiting.step_id,
                prompt: waiting.prompt,
                requestedAt: iso(waiting.requested_at)!,
              },
            }
          : {};
      })(),
      steps: steps
        .filter((s: any) => s.run_id === row.id)
        .map(
          (s: any): RunStep => ({
            id: s.step_id,
            action: s.action,
            phase: s.phase === 'onFailure' ? 'onFailure' : 'main',
            status: s.status,
            attempts: Number(s.attempts),
            ...(s.input ? { input: parseJson(s.input, undefined) } : {}),
            ...(s.output ? { output: parseJson(s.output, {}) } : {}),
            ...(s.error ? { error: s.error } : {}),
            ...(s.logs ? { logs: parseJson<string[]>(s.logs, []) } : {}),
            ...(s.started_at ? { startedAt: iso(s.started_at) } : {}),
            ...(s.finished_at ? { finishedAt: iso(s.finished_at) } : {}),
          }),
        ),
    }));
  }
}
