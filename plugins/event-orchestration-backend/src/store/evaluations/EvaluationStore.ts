import {
  EvaluationStatus,
  SensorEvaluation,
  SensorVerdict,
} from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { scrubText } from '../../shared/redaction/redactSecrets';
import { StoreDatabase, StoreTransaction, knexOf } from '../database';
import { timeValue } from '../dialect';
import { iso } from '../rows';
import { DbEvaluationRow } from '../tables';

/** A sensor's verdict on an event, as stored. */
export interface NewVerdict {
  sensor: string;
  status: EvaluationStatus;
  reason: string;
}

/** Verdict counts of one sensor, for `GET /sensors`. */
export interface VerdictCounts {
  evaluated: number;
  matched: number;
  lastMatchAt?: string;
}

/** Sensors' verdicts on events (`edo_evaluations`). */
export class EvaluationStore {
  constructor(
    private readonly db: StoreDatabase,
    /** Configured secret values: a reason quotes the event's data, which may carry one. */
    private readonly secrets: string[] = [],
  ) {}

  /**
   * Stores verdicts in the caller's unit of work. The first verdict stays: a
   * redelivered event must not turn "matched" into "pending".
   */
  async recordVerdicts(
    tx: StoreTransaction,
    options: { eventId: string; verdicts: NewVerdict[] },
  ): Promise<void> {
    await this.insert(knexOf(tx), options);
  }

  /**
   * Stores verdicts that need no correlation state (the filters decided), on
   * their own: no unit of work, no lock — the hot path of every event.
   */
  async recordFilterVerdicts(options: {
    eventId: string;
    verdicts: NewVerdict[];
  }): Promise<void> {
    await this.insert(this.db.knex, options);
  }

  private async insert(
    db: Knex,
    options: { eventId: string; verdicts: NewVerdict[] },
  ) {
    if (options.verdicts.length === 0) return;
    const now = new Date().toISOString();
    const rows = options.verdicts.map(e => ({
      event_id: options.eventId,
      sensor: e.sensor,
      matched: e.status === 'matched',
      status: e.status,
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

  /** Names of the sensors that have given their verdict on an event. */
  async sensorsWithVerdict(options: { eventId: string }): Promise<Set<string>> {
    const rows: Array<Pick<DbEvaluationRow, 'sensor'>> = await this.db
      .knex('edo_evaluations')
      .where({ event_id: options.eventId })
      .select('sensor');
    return new Set(rows.map(r => r.sensor));
  }

  /** True when a sensor has already given its verdict on an event. */
  async hasVerdict(
    tx: StoreTransaction,
    options: { eventId: string; sensor: string },
  ): Promise<boolean> {
    const row = await knexOf(tx)('edo_evaluations')
      .where({ event_id: options.eventId, sensor: options.sensor })
      .first('sensor');
    return Boolean(row);
  }

  /** A sensor's newest verdicts, newest first, with the type and subject of each event. */
  async listSensorVerdicts(options: {
    sensor: string;
    limit: number;
  }): Promise<SensorVerdict[]> {
    // Reads edo_events (the events area's) for the type and subject: one join.
    const rows = await this.db
      .knex('edo_evaluations as v')
      .join('edo_events as e', 'e.id', 'v.event_id')
      .where('v.sensor', options.sensor)
      .orderBy([
        { column: 'v.evaluated_at', order: 'desc' },
        { column: 'v.event_id', order: 'desc' },
      ])
      .limit(options.limit)
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

  /** Which sensors matched each of the given events. */
  async matchesOf(options: {
    eventIds: string[];
  }): Promise<Array<Pick<DbEvaluationRow, 'event_id' | 'sensor'>>> {
    if (options.eventIds.length === 0) return [];
    return this.db
      .knex('edo_evaluations')
      .whereIn('event_id', options.eventIds)
      .andWhere('matched', true)
      .select('event_id', 'sensor');
  }

  /** Every verdict on an event, by sensor name. */
  async verdictsOf(options: { eventId: string }): Promise<SensorEvaluation[]> {
    const rows: DbEvaluationRow[] = await this.db
      .knex('edo_evaluations')
      .where({ event_id: options.eventId })
      .orderBy('sensor');
    return rows.map(e => ({
      sensor: e.sensor,
      matched: Boolean(e.matched),
      status: e.status as EvaluationStatus,
      reason: e.reason,
      evaluatedAt: iso(e.evaluated_at)!,
    }));
  }

  /** Verdict counts per sensor. */
  async countsBySensor(): Promise<Map<string, VerdictCounts>> {
    const { knex } = this.db;
    const rows = await knex('edo_evaluations')
      .select('sensor')
      .count({ evaluated: '*' })
      .select(
        knex.raw('sum(case when matched then 1 else 0 end) as matched_count'),
      )
      .select(
        knex.raw(
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
          lastMatchAt: iso(r.last_match_at),
        },
      ]),
    );
  }

  /** Retention: the verdicts on events that are deleted. */
  async deleteVerdictsOf(
    tx: StoreTransaction,
    options: { eventIds: string[] },
  ): Promise<void> {
    await knexOf(tx)('edo_evaluations')
      .whereIn('event_id', options.eventIds)
      .delete();
  }

  /** Retention: at most `limit` verdicts given before `before` (on events kept longer). */
  async deleteVerdictsBefore(options: {
    before: Date;
    limit: number;
  }): Promise<number> {
    const { knex, dialect } = this.db;
    return knex('edo_evaluations')
      .whereIn(
        ['event_id', 'sensor'],
        knex('edo_evaluations')
          .where('evaluated_at', '<', timeValue(dialect, options.before))
          .limit(options.limit)
          .select('event_id', 'sensor'),
      )
      .delete();
  }
}
