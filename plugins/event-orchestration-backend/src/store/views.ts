import {
  EventDetails,
  ListResponse,
  OrchestrationEvent,
  StoredEvent,
} from '@edo/plugin-event-orchestration-common';
import { EvaluationStore } from './evaluations/EvaluationStore';
import { EventQuery, EventStore } from './events/EventStore';
import { iso, parseJson } from './rows';
import { RunStore } from './runs/RunStore';
import { DbEventRow } from './tables';

/** A sensor's counters for `GET /sensors`. */
export interface SensorCounters {
  evaluated: number;
  matched: number;
  runsStarted: number;
  lastMatchAt?: string;
}

/**
 * Reads the API shows that combine areas (an event with its verdicts and
 * runs), each area read through its own store.
 */
export class StoreViews {
  constructor(
    private readonly stores: {
      events: EventStore;
      evaluations: EvaluationStore;
      runs: RunStore;
    },
  ) {}

  async listEvents(query: EventQuery): Promise<ListResponse<StoredEvent>> {
    const { rows, nextCursor } = await this.stores.events.listEventRows(query);
    return {
      items: await this.toStoredEvents(rows),
      ...(nextCursor ? { nextCursor } : {}),
    };
  }

  async getEvent(id: string): Promise<EventDetails | undefined> {
    const row = await this.stores.events.getEventRow({ id });
    if (!row) return undefined;
    const [stored] = await this.toStoredEvents([row]);
    const evaluations = await this.stores.evaluations.verdictsOf({
      eventId: id,
    });
    const runs = (await this.stores.runs.listRunsOfEvent({ eventId: id })).map(
      ({ workflow, triggerDependencies, ...run }) => run,
    );
    return { ...stored, evaluations, runs };
  }

  /** Verdict and run counts per sensor, for `GET /sensors`. */
  async sensorCounters(): Promise<Map<string, SensorCounters>> {
    const runsBySensor = await this.stores.runs.countsBySensor();
    const verdicts = await this.stores.evaluations.countsBySensor();
    return new Map(
      [...verdicts].map(([sensor, counts]) => [
        sensor,
        {
          evaluated: counts.evaluated,
          matched: counts.matched,
          runsStarted: runsBySensor.get(sensor) ?? 0,
          lastMatchAt: counts.lastMatchAt,
        },
      ]),
    );
  }

  private async toStoredEvents(rows: DbEventRow[]): Promise<StoredEvent[]> {
    const eventIds = rows.map(r => r.id);
    const [entities, matches] = await Promise.all([
      this.stores.events.entityLinksOf({ eventIds }),
      this.stores.evaluations.matchesOf({ eventIds }),
    ]);
    return rows.map(row => ({
      event: parseJson<OrchestrationEvent>(row.envelope, {} as any),
      receivedAt: iso(row.received_at)!,
      entityRefs: entities
        .filter(e => e.event_id === row.id)
        .map(e => e.entity_ref)
        .sort(),
      matchedSensors: matches
        .filter(m => m.event_id === row.id)
        .map(m => m.sensor)
        .sort(),
    }));
  }
}
