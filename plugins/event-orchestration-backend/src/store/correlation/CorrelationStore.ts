import { Knex } from 'knex';
import { StoreDatabase, StoreTransaction, knexOf } from '../database';
import { parseIds } from '../rows';
import {
  DbSensorDebounceRow,
  DbSensorDependencyEventRow,
  DbSensorFireRow,
  DbSensorWindowEventRow,
} from '../tables';
import {
  DebouncedFire,
  dueDebounces,
  parkDebounced,
  takeDebounced,
} from './debounce';
import { LockedGroup, RememberedEvent } from './LockedGroup';

/** Tables of a group's state that the retention task may find idle. */
const GROUP_STATE_TABLES = [
  'edo_sensor_dependency_events',
  'edo_sensor_window_events',
  'edo_sensor_fires',
  'edo_sensor_debounce',
];

/**
 * Correlation state of sensors, shared by every replica: group locks, matched
 * dependencies waiting for their conditions, aggregation windows, fires
 * (cooldowns, rate limits) and debounced fires (`edo_sensor_groups`,
 * `edo_sensor_dependency_events`, `edo_sensor_window_events`,
 * `edo_sensor_fires`, `edo_sensor_debounce`).
 */
export class CorrelationStore {
  constructor(private readonly db: StoreDatabase) {}

  /**
   * Takes the lock of a sensor's group for the rest of the unit of work: on
   * PostgreSQL a row lock (`SELECT … FOR UPDATE`); SQLite serializes writing
   * transactions anyway. Returns the group's state, read and written there.
   */
  async lockGroup(
    tx: StoreTransaction,
    options: { sensor: string; group: string },
  ): Promise<LockedGroup> {
    const db = knexOf(tx);
    const key = { sensor: options.sensor, group_key: options.group };
    // The retention task deletes the rows of groups with no state left: one
    // deleted between our insert and our lock is inserted again, or two
    // transactions could each go on without a lock.
    for (;;) {
      await db('edo_sensor_groups')
        .insert(key)
        .onConflict(['sensor', 'group_key'])
        .ignore();
      const locked = await db('edo_sensor_groups')
        .where(key)
        .forUpdate()
        .first();
      if (locked) return new LockedGroup(db, options.sensor, options.group);
    }
  }

  /** A sensor's newest fires (dry runs start from them), at most `limit`. */
  async firesOf(options: {
    sensor: string;
    limit: number;
  }): Promise<Array<{ group: string; at: number }>> {
    const rows: DbSensorFireRow[] = await this.db
      .knex('edo_sensor_fires')
      .where({ sensor: options.sensor })
      .orderBy('fired_at', 'desc')
      .limit(options.limit);
    return rows.map(r => ({ group: r.group_key, at: Number(r.fired_at) }));
  }

  /** A group's remembered events as stored now, without a lock (dry runs). */
  async rememberedEventsOf(options: {
    sensor: string;
    group: string;
  }): Promise<{
    dependencies: Array<RememberedEvent & { dependency: string }>;
    window: RememberedEvent[];
  }> {
    const key = { sensor: options.sensor, group_key: options.group };
    const dependencies: DbSensorDependencyEventRow[] = await this.db
      .knex('edo_sensor_dependency_events')
      .where(key);
    const window: DbSensorWindowEventRow[] = await this.db
      .knex('edo_sensor_window_events')
      .where(key);
    return {
      dependencies: dependencies.map(r => ({
        dependency: r.dependency,
        eventId: r.event_id,
        receivedAt: Number(r.event_time),
      })),
      window: window.map(r => ({
        eventId: r.event_id,
        receivedAt: Number(r.event_time),
      })),
    };
  }

  /** Parks (or pushes back) a debounced fire of a sensor's group. */
  async parkDebounced(tx: StoreTransaction, fire: DebouncedFire) {
    await parkDebounced(knexOf(tx), fire);
  }

  /** Drops a parked fire: it is no longer wanted (the group resolved). */
  async dropDebounced(
    tx: StoreTransaction,
    options: { sensor: string; group: string },
  ): Promise<void> {
    await knexOf(tx)('edo_sensor_debounce')
      .where({ sensor: options.sensor, group_key: options.group })
      .delete();
  }

  /** Parked fires whose quiet period is over at `now` (epoch ms). */
  dueDebounces(options: { now: number }): Promise<DebouncedFire[]> {
    return dueDebounces(this.db.knex, options.now);
  }

  /** Takes a due fire, unless it was pushed back or fired meanwhile. */
  takeDebounced(
    tx: StoreTransaction,
    fire: Pick<DebouncedFire, 'sensor' | 'group' | 'dueAt'>,
  ): Promise<boolean> {
    return takeDebounced(knexOf(tx), fire);
  }

  /**
   * Retention: which of `eventIds` correlation state still holds (waiting
   * dependencies, windows), and every event a debounced fire holds.
   */
  async heldEvents(
    tx: StoreTransaction,
    options: { eventIds: string[] },
  ): Promise<Set<string>> {
    const db = knexOf(tx);
    const held = new Set<string>();
    const debounced: Array<Pick<DbSensorDebounceRow, 'trigger_event_ids'>> =
      await db('edo_sensor_debounce').select('trigger_event_ids');
    for (const row of debounced) {
      for (const id of parseIds(row.trigger_event_ids)) held.add(id);
    }
    for (const table of [
      'edo_sensor_dependency_events',
      'edo_sensor_window_events',
    ]) {
      for (const row of await db(table)
        .whereIn('event_id', options.eventIds)
        .distinct('event_id')) {
        held.add(row.event_id);
      }
    }
    return held;
  }

  /**
   * Retention: state whose event time is before `before` (epoch ms), at most
   * `limit` rows of each kind: matched dependencies still waiting, aggregation
   * windows, and fires (what cooldowns and rate limits count).
   */
  async deleteStateBefore(options: {
    before: number;
    limit: number;
  }): Promise<number> {
    const { knex } = this.db;
    const { before, limit } = options;
    const dependencies = await knex('edo_sensor_dependency_events')
      .whereIn(
        ['sensor', 'group_key', 'dependency'],
        knex('edo_sensor_dependency_events')
          .where('event_time', '<', before)
          .limit(limit)
          .select('sensor', 'group_key', 'dependency'),
      )
      .delete();
    const windows = await knex('edo_sensor_window_events')
      .whereIn(
        ['sensor', 'group_key', 'event_id'],
        knex('edo_sensor_window_events')
          .where('event_time', '<', before)
          .limit(limit)
          .select('sensor', 'group_key', 'event_id'),
      )
      .delete();
    const fires = await knex('edo_sensor_fires')
      .whereIn(
        'id',
        knex('edo_sensor_fires')
          .where('fired_at', '<', before)
          .limit(limit)
          .select('id'),
      )
      .delete();
    return dependencies + windows + fires;
  }

  /**
   * Retention: the lock rows of groups with no state left (no waiting
   * dependency, window event, fire or debounced fire): one per group key ever
   * seen otherwise. `lockGroup` inserts the row again when the group comes back.
   */
  async deleteIdleGroups(options: { limit: number }): Promise<number> {
    const { knex } = this.db;
    const idle = (q: Knex.QueryBuilder) => {
      for (const table of GROUP_STATE_TABLES) {
        q.whereNotExists(
          knex(`${table} as s`)
            .whereRaw('s.sensor = g.sensor')
            .andWhereRaw('s.group_key = g.group_key')
            .select(knex.raw('1')),
        );
      }
      return q;
    };
    return knex('edo_sensor_groups')
      .whereIn(
        ['sensor', 'group_key'],
        idle(knex('edo_sensor_groups as g'))
          .limit(options.limit)
          .select('g.sensor', 'g.group_key'),
      )
      .delete();
  }
}
