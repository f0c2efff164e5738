import type {
  CorrelationStore,
  RememberedEvent,
  StoreTransaction,
} from '../store';

export type { RememberedEvent };

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

/**
 * The shared state of one (sensor, group) in the database: takes the group's
 * lock for the rest of the unit of work `tx`, so replicas agree.
 */
export async function lockCorrelationState(
  correlation: CorrelationStore,
  tx: StoreTransaction,
  sensor: string,
  group: string,
): Promise<CorrelationState> {
  return correlation.lockGroup(tx, { sensor, group });
}

/** A scratch copy for dry runs: same behaviour, nothing written anywhere. */
export class MemoryCorrelationState implements CorrelationState {
  private dependencies = new Map<string, RememberedEvent>();
  private window: RememberedEvent[] = [];

  constructor(
    private readonly group: string,
    private readonly fires: Array<{ group: string; at: number }>,
  ) {}

  /** A copy of the group's stored state (`correlation`) to play with. */
  static async snapshot(
    correlation: CorrelationStore,
    sensor: string,
    group: string,
    fires: Array<{ group: string; at: number }>,
  ) {
    const state = new MemoryCorrelationState(group, fires);
    const stored = await correlation.rememberedEventsOf({ sensor, group });
    for (const { dependency, ...event } of stored.dependencies) {
      state.dependencies.set(dependency, event);
    }
    state.window = stored.window;
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
