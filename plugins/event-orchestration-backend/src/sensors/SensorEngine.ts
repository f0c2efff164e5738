import { LoggerService } from '@backstage/backend-plugin-api';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { EntityResolver } from '../catalog';
import { RunEngine } from '../runs';
import { OrchestrationStore } from '../store';
import { renderTemplate } from '../templating/renderTemplate';
import { LoadedSensor } from './loadSensors';
import type { SensorRegistry } from './SensorRegistry';
import { filterEvent } from './evaluateSensor';
import { CorrelationDecision, EvaluationStatus, correlate } from './correlate';
import { CorrelationState, DatabaseCorrelationState } from './correlationState';

/** One sensor's verdict on one event. */
export interface SensorVerdict {
  sensor: string;
  status: EvaluationStatus;
  reason: string;
  triggerEventIds?: string[];
  triggerDependencies?: Record<string, string>;
  group?: string;
}

/** The group an event belongs to for a sensor: its rendered `aggregate.groupBy`. */
export function groupOf(sensor: LoadedSensor, event: OrchestrationEvent): string {
  const groupBy = sensor.spec.aggregate?.groupBy;
  if (!groupBy) return '';
  const value = renderTemplate(groupBy, { event });
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/**
 * Filters an event through a sensor and, when it matches, correlates it with the
 * given state. Shared by the live engine and dry runs.
 */
export async function judge(
  sensor: LoadedSensor,
  event: OrchestrationEvent,
  stateFor: (group: string) => Promise<CorrelationState>,
): Promise<SensorVerdict> {
  const outcome = filterEvent(sensor, event);
  if (outcome.matchedDependencies.length === 0) {
    return { sensor: sensor.spec.name, status: 'not-matched', reason: outcome.reason };
  }
  let group: string;
  try {
    group = groupOf(sensor, event);
  } catch (error) {
    return {
      sensor: sensor.spec.name,
      status: 'not-matched',
      reason: `aggregate.groupBy: ${(error as Error).message}`,
    };
  }
  const decision: CorrelationDecision = await correlate({
    sensor: sensor.spec,
    event,
    matchedDependencies: outcome.matchedDependencies,
    group,
    state: await stateFor(group),
    filterReason: outcome.reason,
  });
  return { sensor: sensor.spec.name, group, ...decision };
}

/**
 * The bus subscriber that decides: it stores each event with the entities it
 * concerns, evaluates it against every sensor listening for its type, and for
 * each sensor — inside one transaction holding the lock of the sensor's group —
 * correlates it with the shared state, stores the verdict with its reason and
 * creates the run when the sensor fires. A redelivered event finds its verdicts
 * stored and changes nothing.
 */
export class SensorEngine {
  constructor(
    private readonly deps: {
      sensors: Pick<SensorRegistry, 'candidates'>;
      store: OrchestrationStore;
      entities: EntityResolver;
      runs: RunEngine;
      knex: Knex;
      logger: LoggerService;
    },
  ) {}

  /** Handles one delivered event; returns the entities it concerns. */
  async handle(event: OrchestrationEvent): Promise<{ entityRefs: string[] }> {
    const { store, entities, runs, logger, knex } = this.deps;
    const eventEntityRefs = await entities.resolveEventEntities(event);
    await store.recordEvent(event, eventEntityRefs);
    const result = { entityRefs: eventEntityRefs };

    const candidates = this.deps.sensors.candidates(event.type);
    if (candidates.length === 0) return result;
    const decided = await store.sensorsWithEvaluation(event.id); // a redelivery
    const pending = candidates.filter(s => !decided.has(s.spec.name));

    // Most candidates reject an event at their filters: those verdicts need no
    // state and no lock, and are written together.
    const rejected: SensorVerdict[] = [];
    const accepted: LoadedSensor[] = [];
    for (const sensor of pending) {
      const outcome = filterEvent(sensor, event);
      if (outcome.matchedDependencies.length === 0) {
        rejected.push({ sensor: sensor.spec.name, status: 'not-matched', reason: outcome.reason });
      } else {
        accepted.push(sensor);
      }
    }
    await store.recordEvaluations(event.id, rejected);

    for (const sensor of accepted) {
      const name = sensor.spec.name;
      const entityRefs = await this.runEntities(sensor, event, eventEntityRefs);
      let started: string | undefined;
      await knex.transaction(async tx => {
        if (await store.hasEvaluation(event.id, name, tx)) return;
        const verdict = await judge(sensor, event, group =>
          DatabaseCorrelationState.lock(tx, name, group),
        );
        await store.recordEvaluations(event.id, [verdict], tx);
        if (verdict.status === 'matched') {
          const triggerEventIds = verdict.triggerEventIds ?? [event.id];
          const { run, created } = await runs.startRun(
            {
              sensor: sensor.spec,
              triggerEventIds,
              triggerDependencies: await this.dependenciesOf(sensor, triggerEventIds, event, tx),
              entityRefs,
            },
            tx,
          );
          if (created) started = run.id;
        }
      });
      if (started) {
        runs.notify();
        logger.info(`Sensor '${name}' fired on event ${event.id}; started run ${started}`);
      }
    }
    return result;
  }

  /** The run concerns the sensor's `entity` when it has one, else the event's entities. */
  private async runEntities(
    sensor: LoadedSensor,
    event: OrchestrationEvent,
    eventEntityRefs: string[],
  ): Promise<string[]> {
    if (!sensor.spec.entity) return eventEntityRefs;
    try {
      const value = renderTemplate(sensor.spec.entity, { event });
      if (typeof value !== 'string' || value === '') return eventEntityRefs;
      return await this.deps.entities.resolveName(value);
    } catch (error) {
      this.deps.logger.warn(
        `Sensor '${sensor.spec.name}': entity template failed for event ${event.id}: ${error}`,
      );
      return eventEntityRefs;
    }
  }

  /** Maps each dependency of the sensor to the trigger event that satisfied it. */
  private async dependenciesOf(
    sensor: LoadedSensor,
    triggerEventIds: string[],
    current: OrchestrationEvent,
    tx: Knex.Transaction,
  ): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    const rows = await tx('edo_events').whereIn('id', triggerEventIds).select('id', 'envelope');
    const events = triggerEventIds
      .map(id => (id === current.id ? current : rows.find(r => r.id === id) && JSON.parse(rows.find(r => r.id === id).envelope)))
      .filter(Boolean) as OrchestrationEvent[];
    for (const event of events) {
      for (const dependency of filterEvent(sensor, event).matchedDependencies) {
        result[dependency] = event.id;
      }
    }
    return result;
  }
}
