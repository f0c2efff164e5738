import {
  OrchestrationEvent,
  SensorDependency,
} from '@edo/plugin-event-orchestration-common';
import { LoadedSensor } from './loadSensors';
import { countFilters, evaluateDependencyFilters } from './evaluateFilters';

/** A sensor's verdict on one event. */
export interface SensorVerdict {
  sensor: string;
  matched: boolean;
  reason: string;
  /** The dependency the event satisfied, when it matched. */
  dependency?: string;
}

/** True when a sensor listens for this event's type at all. */
export function sensorListensTo(sensor: LoadedSensor, eventType: string) {
  return sensor.spec.dependencies.some(d => d.eventType === eventType);
}

function evaluateDependency(dep: SensorDependency, event: OrchestrationEvent) {
  if (dep.eventType !== event.type) {
    return {
      matched: false as const,
      reason: `type was \`${event.type}\`, expected \`${dep.eventType}\``,
    };
  }
  return evaluateDependencyFilters(dep.filters, dep.filtersLogicalOperator, event);
}

/** Evaluates one event against one sensor and says why it did or did not match. */
export function evaluateSensor(
  sensor: LoadedSensor,
  event: OrchestrationEvent,
): SensorVerdict {
  const reasons: string[] = [];
  for (const dep of sensor.spec.dependencies) {
    const verdict = evaluateDependency(dep, event);
    if (verdict.matched) {
      const filters = countFilters(dep.filters);
      return {
        sensor: sensor.spec.name,
        matched: true,
        dependency: dep.name,
        reason: `dependency '${dep.name}' matched (${filters} filter${
          filters === 1 ? '' : 's'
        } passed)`,
      };
    }
    reasons.push(`dependency '${dep.name}': ${verdict.reason}`);
  }
  return { sensor: sensor.spec.name, matched: false, reason: reasons.join('; ') };
}
