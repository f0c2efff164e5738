import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { LoadedSensor } from './loadSensors';
import { countFilters, evaluateDependencyFilters } from './evaluateFilters';

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
  return sensor.spec.dependencies.some(d => d.eventType === eventType);
}

/** Runs an event through the filters of every dependency of a sensor. */
export function filterEvent(
  sensor: LoadedSensor,
  event: OrchestrationEvent,
): FilterOutcome {
  const matched: string[] = [];
  const reasons: string[] = [];
  let matchedReason = '';
  let listening = false;
  for (const dep of sensor.spec.dependencies) {
    if (dep.eventType !== event.type) continue;
    listening = true;
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

/** Stateless verdict (filters only), as the slice had it. */
export function evaluateSensor(
  sensor: LoadedSensor,
  event: OrchestrationEvent,
) {
  const outcome = filterEvent(sensor, event);
  return {
    sensor: outcome.sensor,
    matched: outcome.matchedDependencies.length > 0,
    reason: outcome.reason,
  };
}
