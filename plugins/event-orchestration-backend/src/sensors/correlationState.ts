import { Knex } from 'knex';

/** A matched event remembered for a sensor and group. */
export interface RememberedEvent {
  eventId: string;
  /** Epoch ms when the backend received the event (stored as `event_time`). */
  receivedAt: number;
}

/**
 * The correlation state of one sensor and one group, as the correlation logic
 * sees it. The database version runs inside a transaction holding the group's
 * lock; the in-memory version is the scratch copy used by dry runs.
 */
export interface CorrelationState {
  dependencyEvents(): Promise<Array<RememberedEvent & { dependency: string }>>;
  putDependencyEvent(dependency: string, event: RememberedEvent): Promise<void>;
  removeDependencyEventsBefore(receivedAt: number): Promise<void>;
  addWindowEvent(event: RememberedEvent): Promise<void>;
  /** Drops window events before `since` and returns the rest, oldest first. */
  windowEventsSince(since: number): Promise<RememberedEvent[]>;
  /** Forgets dependencies and window of the group (after a fire or a resolve). */
  clear(): Promise<void>;
  lastFire(): Promise<number | undefined>;
  /** Fires since a time, of the group, or of the whole sensor. */
  firesSince(since: number, scope: 'group' | 'sensor'): Promise<number>;
  recordFire(at: number): Promise<void>;
}

/** The shared state in the database, for one (sensor, group) under lock. */
export class DatabaseCorrelationState implements CorrelationState {
  private constructor(
    private readonly tx: Knex.Transaction,
    private readonly sensor: string,
    private readonly group: string,
  ) {}

  /**
   * Takes the group's lock for the rest of the transaction: on PostgreSQL a row
   * lock (`SELECT … FOR UPDATE`); SQLite serializes writing transactions anyway.
   */
  static async lock(tx: Knex.Transaction, sensor: string, group: string) {
    // The retention task deletes the rows of groups with no state left: one
    // deleted between our insert and our lock is inserted again, or two
    // transactions could each go on without a lock.
    for (;;) {
      await tx('edo_sensor_groups')
        .insert({ sensor, group_key: group })
        .onConflict(['sensor', 'group_key'])
        .ignore();
      const locked = await tx('edo_sensor_groups')
        .where({ sensor, group_key: group })
        .forUpdate()
        .first();
      if (locked) return new DatabaseCorrelationState(tx, sensor, group);
    }
  }

  private get key() {
    return { sensor: this.sensor, group_key: this.group };
  }

  async dependencyEvents() {
    const rows = await this.tx('edo_sensor_dependency_events').where(this.key);
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

  async windowEventsSince(since: number) {
    await this.tx('edo_sensor_window_events')
      .where(this.key)
      .andWhere('event_time', '<', since)
      .delete();
    const rows = await this.tx('edo_sensor_window_events')
      .where(this.key)
      .orderBy([{ column: 'event_time' }, { column: 'event_id' }]);
    return rows.map(r => ({
      eventId: r.event_id,
      receivedAt: Number(r.event_time),
    }));
  }

  async clear() {
    await this.tx('edo_sensor_dependency_events').where(this.key).delete();
    await this.tx('edo_sensor_window_events').where(this.key).delete();
  }

  async lastFire() {
    const row = await this.tx('edo_sensor_fires')
      .where(this.key)
      .max({ at: 'fired_at' })
      .first();
    return row?.at === null || row?.at === undefined
      ? undefined
      : Number(row.at);
  }

  async firesSince(since: number, scope: 'group' | 'sensor') {
    const q = this.tx('edo_sensor_fires')
      .where(scope === 'group' ? this.key : { sensor: this.sensor })
      .andWhere('fired_at', '>=', since)
      .count({ n: '*' })
      .first();
    return Number((await q)?.n ?? 0);
  }

  async recordFire(at: number) {
    await this.tx('edo_sensor_fires').insert({ ...this.key, fired_at: at });
  }
}

/** A scratch copy for dry runs: same behaviour, nothing written anywhere. */
export class MemoryCorrelationState implements CorrelationState {
  private dependencies = new Map<string, RememberedEvent>();
  private window: RememberedEvent[] = [];

  constructor(
    private readonly group: string,
    private readonly fires: Array<{ group: string; at: number }>,
  ) {}

  static async snapshot(
    knex: Knex,
    sensor: string,
    group: string,
    fires: Array<{ group: string; at: number }>,
  ) {
    const state = new MemoryCorrelationState(group, fires);
    const key = { sensor, group_key: group };
    for (const r of await knex('edo_sensor_dependency_events').where(key)) {
      state.dependencies.set(r.dependency, {
        eventId: r.event_id,
        receivedAt: Number(r.event_time),
      });
    }
    state.window = (await knex('edo_sensor_window_events').where(key)).map(
      r => ({
        eventId: r.event_id,
        receivedAt: Number(r.event_time),
      }),
    );
    return state;
  }

  async dependencyEvents() {
    return [...this.dependencies.entries()].map(([dependency, e]) => ({
      dependency,
      ...e,
    }));
  }
  async putDependencyEvent(dependency: string, event: RememberedEvent) {
    this.dependencies.set(dependency, event);
  }
  async removeDependencyEventsBefore(receivedAt: number) {
    for (const [name, e] of this.dependencies) {
      if (e.receivedAt < receivedAt) this.dependencies.delete(name);
    }
  }
  async addWindowEvent(event: RememberedEvent) {
    if (!this.window.some(e => e.eventId === event.eventId))
      this.window.push(event);
  }
  async windowEventsSince(since: number) {
    this.window = this.window
      .filter(e => e.receivedAt >= since)
      .sort(
        (a, b) =>
          a.receivedAt - b.receivedAt || a.eventId.localeCompare(b.eventId),
      );
    return [...this.window];
  }
  async clear() {
    this.dependencies.clear();
    this.window = [];
  }
  async lastFire() {
    const mine = this.fires.filter(f => f.group === this.group).map(f => f.at);
    return mine.length ? Math.max(...mine) : undefined;
  }
  async firesSince(since: number, scope: 'group' | 'sensor') {
    return this.fires.filter(
      f => f.at >= since && (scope === 'sensor' || f.group === this.group),
    ).length;
  }
  async recordFire(at: number) {
    this.fires.push({ group: this.group, at });
  }
}
