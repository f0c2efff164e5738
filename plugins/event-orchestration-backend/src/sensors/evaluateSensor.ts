import {
  OrchestrationEvent,
  parseDuration,
} from '@edo/plugin-event-orchestration-common';
import type { EventOwnership } from '../sources';
import { renderTemplate } from '../shared/templating/renderTemplate';
import { CorrelationVerdict, EvaluationStatus, correlate } from './correlate';
import { CorrelationState } from './correlationState';
import { LoadedSensor } from './loadSensors';
import { checkDataSchema } from './dataSchema';
import { countFilters, evaluateDependencyFilters } from './evaluateFilters';
import { dependencyTakesType, isEventTypePattern } from './dependencyEventType';

/** Which of a sensor's dependencies an event satisfies, and why the others not. */
export interface FilterOutcome {
  sensor: string;
  /** Names of the dependencies whose filters the event passed. */
  matchedDependencies: string[];
  /** Why it matched (first dependency) or, when none matched, why not. */
  reason: string;
}

/** True when a sensor listens for this event's type at all. */
export function sensorListensTo(sensor: LoadedSensor, eventType: string) {
  return sensor.spec.dependencies.some(d =>
    dependencyTakesType(d.eventType, eventType),
  );
}

/** An `orchestration.run.finished` event of one of the sensor's own runs. */
function finishOfOwnRun(sensor: LoadedSensor, event: OrchestrationEvent) {
  return (
    event.type === 'orchestration.run.finished' &&
    event.origin?.kind === 'orchestrator' &&
    (event.data as { sensor?: unknown } | null)?.sensor === sensor.spec.name
  );
}

/**
 * Runs an event through every dependency of a sensor: first where it came
 * from (its origin against the dependency's `sources:`, or the type's owner),
 * then the filters.
 */
export function filterEvent(
  sensor: LoadedSensor,
  event: OrchestrationEvent,
  ownership: EventOwnership,
): FilterOutcome {
  const matched: string[] = [];
  const reasons: string[] = [];
  let matchedReason = '';
  let listening = false;
  for (const dep of sensor.spec.dependencies) {
    if (!dependencyTakesType(dep.eventType, event.type)) continue;
    listening = true;
    if (isEventTypePattern(dep.eventType) && finishOfOwnRun(sensor, event)) {
      // Each of its runs would announce its finish and fire it again, forever.
      reasons.push(
        `dependency '${dep.name}' rejected: \`${dep.eventType}\` never takes the finish of the sensor's own runs`,
      );
      continue;
    }
    // Provenance is checked for the event's concrete type: `alertmanager.*`
    // takes alertmanager.alert only from the owner of alertmanager.alert.
    const origin = ownership.accepts({
      type: event.type,
      origin: event.origin,
      sources: dep.sources,
    });
    if (!origin.accepted) {
      reasons.push(`dependency '${dep.name}' rejected: ${origin.reason}`);
      continue;
    }
    // What the sensor's author said the data must look like, before any
    // filter: data that does not fit starts nothing, whatever the operator.
    if (dep.dataSchema) {
      const fit = checkDataSchema(dep.dataSchema, event.data);
      if (!fit.fits) {
        reasons.push(`dependency '${dep.name}' rejected: ${fit.reason}`);
        continue;
      }
    }
    const verdict = evaluateDependencyFilters(
      dep.filters,
      dep.filtersLogicalOperator,
      event,
    );
    if (verdict.matched) {
      matched.push(dep.name);
      if (!matchedReason) {
        const n = countFilters(dep.filters);
        matchedReason = `dependency '${dep.name}' matched (${n} filter${
          n === 1 ? '' : 's'
        } passed)`;
      }
    } else {
      reasons.push(`dependency '${dep.name}': ${verdict.reason}`);
    }
  }
  if (!listening) {
    reasons.push(
      `type was \`${event.type}\`, expected ${sensor.spec.dependencies
        .map(d => `\`${d.eventType}\``)
        .join(' or ')}`,
    );
  }
  return {
    sensor: sensor.spec.name,
    matchedDependencies: matched,
    reason: matched.length > 0 ? matchedReason : reasons.join('; '),
  };
}

/**
 * One sensor's verdict on one event (status and reason), with what firing
 * needs: the triggering events, the group and any debounce. The API lists
 * stored verdicts as `SensorVerdict` / `SensorEvaluation` (-common).
 */
export interface Verdict {
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
 * such a sensor are evaluated in parallel, and the run's idempotency key still
 * makes each fire start exactly one run.
 */
export function needsSharedState(sensor: LoadedSensor['spec']): boolean {
  return Boolean(
    sensor.dependencies.length > 1 ||
      sensor.conditions ||
      sensor.conditionsReset ||
      sensor.aggregate ||
      sensor.cooldown ||
      sensor.refireAfter ||
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
 * Evaluates an event against a sensor: its filters and, when it matches,
 * correlation with the given state. Shared by the live engine and dry runs.
 *
 * `ownership` says which source owns which event type (see `filterEvent`).
 * `receivedAt` (epoch ms) is when the backend received the event; the live
 * engine always passes it. Only dry runs of draft events, which nobody
 * received, leave it out: their `time` stands in for it.
 *
 * `resendOf` is set by the engine when the event re-sends one this sensor
 * already decided: it counts only once `refireAfter` has passed since the
 * sensor's last fire for the group.
 */
export async function evaluateSensor(
  sensor: LoadedSensor,
  event: OrchestrationEvent,
  stateFor: (group: string) => Promise<CorrelationState>,
  options: {
    ownership: EventOwnership;
    receivedAt?: number;
    resendOf?: string;
  },
): Promise<Verdict> {
  const { ownership, receivedAt = Date.parse(event.time) } = options;
  const outcome = filterEvent(sensor, event, ownership);
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
  const state = await stateFor(group);
  if (options.resendOf) {
    const held = await holdResend(
      sensor,
      state,
      receivedAt,
      options.resendOf,
      group,
    );
    if (held) return { sensor: sensor.spec.name, group, ...held };
  }
  const correlation: CorrelationVerdict = await correlate({
    sensor: sensor.spec,
    event,
    matchedDependencies: outcome.matchedDependencies,
    group,
    state,
    receivedAt,
    filterReason: outcome.reason,
  });
  return { sensor: sensor.spec.name, group, ...correlation };
}

/**
 * Why a re-send of an event the sensor decided is not a new occurrence yet
 * (no fire for its group, or the last one under `refireAfter` ago), or
 * undefined when it counts as one.
 */
async function holdResend(
  sensor: LoadedSensor,
  state: CorrelationState,
  receivedAt: number,
  original: string,
  group: string,
): Promise<Pick<Verdict, 'status' | 'reason'> | undefined> {
  const refireAfter = sensor.spec.refireAfter;
  const groupNote = group ? ` for ${group}` : '';
  if (!refireAfter) {
    return {
      status: 'not-matched',
      reason: `a re-send of event ${original}, which this sensor already evaluated (no refireAfter)`,
    };
  }
  const last = await state.lastFire();
  if (last === undefined) {
    return {
      status: 'cooled-down',
      reason: `a re-send of event ${original}; the sensor has not fired${groupNote}, refireAfter ${refireAfter} counts from a fire`,
    };
  }
  const since = receivedAt - last;
  if (since < parseDuration(refireAfter)!) {
    return {
      status: 'cooled-down',
      reason: `a re-send of event ${original} ${Math.max(
        0,
        Math.round(since / 1000),
      )}s after the last fire${groupNote}; refireAfter ${refireAfter}`,
    };
  }
  return undefined;
}
