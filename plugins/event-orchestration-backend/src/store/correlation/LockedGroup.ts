import { Knex } from 'knex';
import {
  DbSensorDependencyEventRow,
  DbSensorFireRow,
  DbSensorWindowEventRow,
} from '../tables';

/** A matched event remembered for a sensor and group. */
export interface RememberedEvent {
  eventId: string;
  /** Epoch ms when the backend received the event (stored as `event_time`). */
  receivedAt: number;
}

/**
 * The correlation state of one (sensor, group) in the database, read and
 * written inside the unit of work that holds the group's lock (see
 * `CorrelationStore.lockGroup`). It has the shape of the sensors'
 * `CorrelationState`.
 */
export class LockedGroup {
  constructor(
    private readonly tx: Knex.Transaction,
    private readonly sensor: string,
    private readonly group: string,
  ) {}

  private get key() {
    return { sensor: this.sensor, group_key: this.group };
  }

  async dependencyEvents(): Promise<
    Array<RememberedEvent & { dependency: string }>
  > {
    const rows: DbSensorDependencyEventRow[] = await this.tx(
      'edo_sensor_dependency_events',
    ).where(this.key);
    return rows.map(r => ({
      dependency: r.dependency,
      eventId: r.event_id,
      receivedAt: Number(r.event_time),
    }));
  }

  async putDependencyEvent(dependency: string, event: RememberedEvent) {
    await this.tx('edo_sensor_dependency_events')
      .insert({
        ...this.key,
        dependency,
        event_id: event.eventId,
        event_time: event.receivedAt,
      })
      .onConflict(['sensor', 'group_key', 'dependency'])
      .merge(['event_id', 'event_time']);
  }

  async removeDependencyEventsBefore(receivedAt: number) {
    await this.tx('edo_sensor_dependency_events')
      .where(this.key)
      .andWhere('event_time', '<', receivedAt)
      .delete();
  }

  async addWindowEvent(event: RememberedEvent) {
    await this.tx('edo_sensor_window_events')
      .insert({
        ...this.key,
        event_id: event.eventId,
        event_time: event.receivedAt,
      })
      .onConflict(['sensor', 'group_key', 'event_id'])
      .ignore();
  }

  /** Drops window events before `since` and returns the rest, oldest first. */
  async windowEventsSince(since: number): Promise<RememberedEvent[]> {
    await this.tx('edo_sensor_window_events')
      .where(this.key)
      .andWhere('event_time', '<', since)
      .delete();
    const rows: DbSensorWindowEventRow[] = await this.tx(
      'edo_sensor_window_events',
    )
      .where(this.key)
      .orderBy([{ column: 'event_time' }, { column: 'event_id' }]);
    return rows.map(r => ({
      eventId: r.event_id,
      receivedAt: Number(r.event_time),
    }));
  }

  /** Forgets dependencies and window of the group (after a fire or a resolve). */
  async clear() {
    await this.tx('edo_sensor_dependency_events').where(this.key).delete();
    await this.tx('edo_sensor_window_events').where(this.key).delete();
  }

  async lastFire(): Promise<number | undefined> {
    const row = await this.tx('edo_sensor_fires')
      .where(this.key)
      .max({ at: 'fired_at' })
      .first();
    return row?.at === null || row?.at === undefined
      ? undefined
      : Number(row.at);
  }

  /** Fires since a time, of the group, or of the whole sensor. */
  async firesSince(since: number, scope: 'group' | 'sensor'): Promise<number> {
    const q = this.tx('edo_sensor_fires')
      .where(scope === 'group' ? this.key : { sensor: this.sensor })
      .andWhere('fired_at', '>=', since)
      .count({ n: '*' })
      .first();
    return Number((await q)?.n ?? 0);
  }

  async recordFire(at: number) {
    const row: Omit<DbSensorFireRow, 'id'> = { ...this.key, fired_at: at };
    await this.tx('edo_sensor_fires').insert(row);
  }
}
