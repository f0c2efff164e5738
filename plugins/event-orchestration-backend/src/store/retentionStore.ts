import { TERMINAL_RUN_STATUSES } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';

/**
 * A time bound as the column holds it: SQLite keeps the ISO strings we write
 * (ISO strings of one format compare in time order), PostgreSQL timestamptz.
 */
function timeValue(knex: Knex, time: Date): string | Date {
  const client = String(knex.client.config?.client ?? '');
  return client.includes('sqlite') ? time.toISOString() : time;
}

const LIVE_RUN_STATUSES = ['pending', 'running'];

function parseIds(text: unknown): string[] {
  if (typeof text !== 'string' || text === '') return [];
  const value = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * The deletes of the retention task (`src/retention`): each method removes at
 * most `limit` rows of one kind, with everything that belongs to them, in one
 * transaction or one statement, so a chunk is either gone whole or not at all.
 * The tables have no foreign keys: the child tables are named here.
 */
export class RetentionStore {
  constructor(private readonly knex: Knex) {}

  /**
   * Runs that finished (succeeded, failed, cancelled) before `before`, with
   * their steps (and so their logs), entity links, approvals and link retries.
   * Pending and running runs (a running one may wait for an approval) stay.
   */
  async deleteFinishedRuns(before: Date, limit: number): Promise<number> {
    const bound = timeValue(this.knex, before);
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
    return this.knex.transaction(async tx => {
      // Locked (PostgreSQL): a retry waits for this chunk, and a run a retry
      // made pending meanwhile is no longer selected.
      const deleted = (
        await finishedBefore(tx('edo_runs'))
          .orderBy('seq')
          .limit(limit)
          .forUpdate()
          .select('id')
      ).map((r: { id: string }) => r.id);
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

  /**
   * Events received before `before`, after the one with sequence number
   * `afterSeq`, with their entity links, verdicts and link retries. Events that
   * a pending or running run was started from (the run reads them), or that
   * correlation state or a debounced fire still holds, stay. `lastSeq` is where
   * the next chunk starts; undefined when there is nothing further.
   */
  async deleteEvents(
    before: Date,
    afterSeq: number,
    limit: number,
  ): Promise<{ deleted: number; lastSeq?: number }> {
    const bound = timeValue(this.knex, before);
    return this.knex.transaction(async tx => {
      const candidates = await tx('edo_events')
        .where('received_at', '<', bound)
        .andWhere('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .forUpdate()
        .select('seq', 'id');
      if (candidates.length === 0) return { deleted: 0 };
      const ids = candidates.map(c => c.id as string);
      const held = new Set<string>();
      for (const row of await tx('edo_runs')
        .whereIn('status', LIVE_RUN_STATUSES)
        .select('trigger_event_ids')) {
        for (const id of parseIds(row.trigger_event_ids)) held.add(id);
      }
      for (const row of await tx('edo_sensor_debounce').select(
        'trigger_event_ids',
      )) {
        for (const id of parseIds(row.trigger_event_ids)) held.add(id);
      }
      for (const table of [
        'edo_sensor_dependency_events',
        'edo_sensor_window_events',
      ]) {
        for (const row of await tx(table)
          .whereIn('event_id', ids)
          .distinct('event_id')) {
          held.add(row.event_id);
        }
      }
      const doomed = ids.filter(id => !held.has(id));
      const lastSeq = Number(candidates[candidates.length - 1].seq);
      if (doomed.length === 0) return { deleted: 0, lastSeq };
      await tx('edo_events').whereIn('id', doomed).delete();
      for (const table of [
        'edo_event_entities',
        'edo_evaluations',
        'edo_event_link_retries',
        'edo_run_link_retries',
      ]) {
        await tx(table).whereIn('event_id', doomed).delete();
      }
      return { deleted: doomed.length, lastSeq };
    });
  }

  /** Sensors' verdicts given before `before` (on events that are kept longer). */
  async deleteEvaluations(before: Date, limit: number): Promise<number> {
    return this.knex('edo_evaluations')
      .whereIn(
        ['event_id', 'sensor'],
        this.knex('edo_evaluations')
          .where('evaluated_at', '<', timeValue(this.knex, before))
          .limit(limit)
          .select('event_id', 'sensor'),
      )
      .delete();
  }

  /**
   * Correlation state whose event time is before `before` (epoch ms): matched
   * dependencies still waiting, aggregation windows, and fires (what cooldowns
   * and rate limits count).
   */
  async deleteCorrelationState(before: number, limit: number): Promise<number> {
    const dependencies = await this.knex('edo_sensor_dependency_events')
      .whereIn(
        ['sensor', 'group_key', 'dependency'],
        this.knex('edo_sensor_dependency_events')
          .where('event_time', '<', before)
          .limit(limit)
          .select('sensor', 'group_key', 'dependency'),
      )
      .delete();
    const windows = await this.knex('edo_sensor_window_events')
      .whereIn(
        ['sensor', 'group_key', 'event_id'],
        this.knex('edo_sensor_window_events')
          .where('event_time', '<', before)
          .limit(limit)
          .select('sensor', 'group_key', 'event_id'),
      )
      .delete();
    const fires = await this.knex('edo_sensor_fires')
      .whereIn(
        'id',
        this.knex('edo_sensor_fires')
          .where('fired_at', '<', before)
          .limit(limit)
          .select('id'),
      )
      .delete();
    return dependencies + windows + fires;
  }

  /**
   * The lock rows of correlation groups with no state left (no waiting
   * dependency, window event, fire or debounced fire): one per group key ever
   * seen otherwise. `DatabaseCorrelationState.lock` inserts the row again when
   * the group comes back.
   */
  async deleteIdleGroups(limit: number): Promise<number> {
    const idle = (q: Knex.QueryBuilder) => {
      for (const table of [
        'edo_sensor_dependency_events',
        'edo_sensor_window_events',
        'edo_sensor_fires',
        'edo_sensor_debounce',
      ]) {
        q.whereNotExists(
          this.knex(`${table} as s`)
            .whereRaw('s.sensor = g.sensor')
            .andWhereRaw('s.group_key = g.group_key')
            .select(this.knex.raw('1')),
        );
      }
      return q;
    };
    return this.knex('edo_sensor_groups')
      .whereIn(
        ['sensor', 'group_key'],
        idle(this.knex('edo_sensor_groups as g'))
          .limit(limit)
          .select('g.sensor', 'g.group_key'),
      )
      .delete();
  }

  /** Records of dead-letter re-drives made before `before`. */
  async deleteRedrives(before: Date, limit: number): Promise<number> {
    return this.knex('edo_dead_letter_redrives')
      .whereIn(
        'seq',
        this.knex('edo_dead_letter_redrives')
          .where('at', '<', before.toISOString())
          .orderBy('seq')
          .limit(limit)
          .select('seq'),
      )
      .delete();
  }
}
