import { LoggerService } from '@backstage/backend-plugin-api';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { EntityResolver, FIRST_RELINK_DELAY_MS } from '../catalog';
import { RunEngine } from '../runs';
import { OrchestrationStore } from '../store';
import { renderTemplate } from '../templating/renderTemplate';
import { LoadedSensor } from './loadSensors';
import type { SensorRegistry } from './SensorRegistry';
import { filterEvent } from './evaluateSensor';
import { CorrelationDecision, EvaluationStatus, correlate } from './correlate';
import {
  CorrelationState,
  DatabaseCorrelationState,
  MemoryCorrelationState,
} from './correlationState';

/** One sensor's verdict on one event. */
export interface SensorVerdict {
  sensor: string;
  status: EvaluationStatus;
  reason: string;
  triggerEventIds?: string[];
  triggerDependencies?: Record<string, string>;
  group?: string;
  /** Set when the sensor debounces: the fire is parked this long (ms). */
  debounceMs?: number;
}

/**
 * True when a sensor's verdict depends on earlier events or fires: several
 * dependencies or conditions, aggregation, cooldown, rate limit, debounce or
 * resolution. A sensor without any of these fires on every match; its verdict
 * needs no shared state, so the engine takes no group lock for it — events of
 * such a sensor are judged in parallel, and the run's idempotency key still
 * makes each fire start exactly one run.
 */
export function needsSharedState(sensor: LoadedSensor['spec']): boolean {
  return Boolean(
    sensor.dependencies.length > 1 ||
      sensor.conditions ||
      sensor.conditionsReset ||
      sensor.aggregate ||
      sensor.cooldown ||
      sensor.rateLimit ||
      sensor.debounce ||
      sensor.resolvedBy,
  );
}

/** The group an event belongs to for a sensor: its rendered `aggregate.groupBy`. */
export function groupOf(
  sensor: LoadedSensor,
  event: OrchestrationEvent,
): string {
  const groupBy = sensor.spec.aggregate?.groupBy;
  if (!groupBy) return '';
  const value = renderTemplate(groupBy, { event });
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/**
 * Filters an event through a sensor and, when it matches, correlates it with the
 * given state. Shared by the live engine and dry runs.
 *
 * `receivedAt` (epoch ms) is when the backend received the event; the live
 * engine always passes it. Only dry runs of draft events, which nobody
 * received, leave it out: their `time` stands in for it.
 */
export async function judge(
  sensor: LoadedSensor,
  event: OrchestrationEvent,
  stateFor: (group: string) => Promise<CorrelationState>,
  receivedAt: number = Date.parse(event.time),
): Promise<SensorVerdict> {
  const outcome = filterEvent(sensor, event);
  if (outcome.matchedDependencies.length === 0) {
    return {
      sensor: sensor.spec.name,
      status: 'not-matched',
      reason: outcome.reason,
    };
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
    receivedAt,
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
      sensors: Pick<SensorRegistry, 'candidates' | 'find'>;
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
    // Never held up by the catalog: an event it cannot link now is linked later
    // by its subject (EventRelinker), and its sensors decide now.
    const links = await entities.linkEvent(event);
    const eventEntityRefs = links.entityRefs;
    const { receivedAt } = await store.recordEvent(
      event,
      eventEntityRefs,
      links.retry && event.subject
        ? {
            subject: event.subject,
            reason: links.retry,
            firstDelayMs: FIRST_RELINK_DELAY_MS,
          }
        : undefined,
    );
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
        rejected.push({
          sensor: sensor.spec.name,
          status: 'not-matched',
          reason: outcome.reason,
        });
      } else {
        accepted.push(sensor);
      }
    }
    await store.recordEvaluations(event.id, rejected);
    if (accepted.length === 0) return result;

    for (const sensor of accepted) {
      const name = sensor.spec.name;
      const entityRefs = await this.runEntities(sensor, event, eventEntityRefs);
      let started: string | undefined;
      let toCancel: string[] = [];
      await knex.transaction(async tx => {
        if (await store.hasEvaluation(event.id, name, tx)) return;
        const verdict = await judge(
          sensor,
          event,
          async group =>
            needsSharedState(sensor.spec)
              ? DatabaseCorrelationState.lock(tx, name, group)
              : new MemoryCorrelationState(group, []),
          receivedAt,
        );
        await store.recordEvaluations(event.id, [verdict], tx);
        if (verdict.status === 'pending' && verdict.debounceMs !== undefined) {
          await this.parkDebounced(tx, name, verdict, entityRefs);
        }
        if (verdict.status === 'resolved') {
          // A fire parked by debounce is no longer wanted.
          await tx('edo_sensor_debounce')
            .where({ sensor: name, group_key: verdict.group ?? '' })
            .delete();
          if (sensor.spec.cancelOnResolve) {
            toCancel = await store.unfinishedRunsOfGroup(
              name,
              verdict.group ?? '',
              tx,
            );
          }
        }
        if (verdict.status === 'matched') {
          const triggerEventIds = verdict.triggerEventIds ?? [event.id];
          const { run, created } = await runs.startRun(
            {
              sensor: sensor.spec,
              triggerEventIds,
              triggerDependencies: await this.dependenciesOf(
                sensor,
                triggerEventIds,
                event,
                tx,
              ),
              entityRefs,
              group: verdict.group,
            },
            tx,
          );
          if (created) started = run.id;
          if (created && entityRefs.length === 0 && links.retry) {
            // Gets the event's entities when it is linked later (EventRelinker).
            await tx('edo_run_link_retries').insert({
              run_id: run.id,
              event_id: event.id,
            });
          }
        }
      });
      if (started) {
        runs.notify();
        logger.info(
          `Sensor '${name}' fired on event ${event.id}; started run ${started}`,
        );
      }
      for (const runId of toCancel) {
        const cancelled = await store.cancelRun(runId, {
          action: 'cancel',
          actor: `sensor:${name}`,
          at: new Date().toISOString(),
          comment: `resolved by event ${event.id}`,
        });
        if (cancelled)
          logger.info(
            `Sensor '${name}' cancelled run ${runId}: resolved by event ${event.id}`,
          );
      }
    }
    return result;
  }

  /** Parks (or pushes back) a debounced fire of a sensor's group. */
  private async parkDebounced(
    tx: Knex.Transaction,
    sensor: string,
    verdict: SensorVerdict & { debounceMs?: number },
    entityRefs: string[],
  ) {
    const key = { sensor, group_key: verdict.group ?? '' };
    const existing = await tx('edo_sensor_debounce').where(key).first();
    const triggers = [
      ...new Set([
        ...(existing
          ? (JSON.parse(existing.trigger_event_ids) as string[])
          : []),
        ...(verdict.triggerEventIds ?? []),
      ]),
    ];
    const row = {
      due_at: Date.now() + verdict.debounceMs!,
      trigger_event_ids: JSON.stringify(triggers),
      entity_refs: JSON.stringify(entityRefs),
    };
    if (existing) {
      await tx('edo_sensor_debounce').where(key).update(row);
    } else {
      await tx('edo_sensor_debounce').insert({ ...key, ...row });
    }
  }

  /**
   * Fires the debounced groups whose quiet period is over: records the fire,
   * clears the group's state and starts the run, in one transaction per group.
   * Called periodically by one replica at a time (a global scheduler task).
   */
  async fireDueDebounces(now = Date.now()): Promise<string[]> {
    const { knex, runs, logger } = this.deps;
    const due = await knex('edo_sensor_debounce')
      .where('due_at', '<=', now)
      .select();
    const started: string[] = [];
    for (const row of due) {
      const sensor = this.deps.sensors.find(row.sensor);
      const created = await knex.transaction(async tx => {
        // Only if nobody pushed it back or fired it meanwhile.
        const taken = await tx('edo_sensor_debounce')
          .where({
            sensor: row.sensor,
            group_key: row.group_key,
            due_at: row.due_at,
          })
          .delete();
        if (taken !== 1 || !sensor) return undefined;
        const state = await DatabaseCorrelationState.lock(
          tx,
          row.sensor,
          row.group_key,
        );
        await state.recordFire(Number(row.due_at));
        await state.clear();
        const triggerEventIds = JSON.parse(row.trigger_event_ids) as string[];
        const { run } = await runs.startRun(
          {
            sensor: sensor.spec,
            triggerEventIds,
            triggerDependencies: await this.dependenciesOf(
              sensor,
              triggerEventIds,
              undefined,
              tx,
            ),
            entityRefs: JSON.parse(row.entity_refs),
            group: row.group_key,
          },
          tx,
        );
        return run.id;
      });
      if (created) {
        started.push(created);
        logger.info(
          `Sensor '${row.sensor}' fired after its debounce; started run ${created}`,
        );
      } else if (!sensor) {
        logger.warn(
          `Debounced fire of unknown sensor '${row.sensor}' dropped (sensor removed?)`,
        );
      }
    }
    if (started.length) runs.notify();
    return started;
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
    current: OrchestrationEvent | undefined,
    tx: Knex.Transaction,
  ): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    const rows = await tx('edo_events')
      .whereIn('id', triggerEventIds)
      .select('id', 'envelope');
    const events = triggerEventIds.flatMap(id => {
      if (current && id === current.id) return [current];
      const row = rows.find(r => r.id === id);
      return row ? [JSON.parse(row.envelope) as OrchestrationEvent] : [];
    });
    for (const event of events) {
      for (const dependency of filterEvent(sensor, event).matchedDependencies) {
        result[dependency] = event.id;
      }
    }
    return result;
  }
}
