import {
  EvaluationStatus,
  OrchestrationEvent,
  SensorSpec,
  evaluateConditions,
  parseConditions,
  parseDuration,
} from '@edo/plugin-event-orchestration-common';
import { CronExpressionParser } from 'cron-parser';
import { CorrelationState } from './correlationState';

export type { EvaluationStatus };

/** The outcome of correlating one matching event. */
export interface CorrelationVerdict {
  status: Exclude<EvaluationStatus, 'not-matched'>;
  reason: string;
  /** When matched: the events that together fired the sensor, oldest first. */
  triggerEventIds?: string[];
  /** When the sensor debounces: the run waits until matches stop for this long (ms). */
  debounceMs?: number;
}

function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  let rest = Math.max(0, Math.round(ms));
  const parts: string[] = [];
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || `${rest}ms`;
}

/** The dependencies that take part in conditions: all but `resolvedBy`. */
function conditionDependencies(sensor: SensorSpec) {
  return sensor.dependencies
    .map(d => d.name)
    .filter(n => n !== sensor.resolvedBy);
}

/**
 * Decides what a matching event means for a sensor, given the shared state of
 * its group: resolve, wait for other dependencies or a full window, hold back
 * for cooldown or rate limit, or fire. Every time it compares is when the
 * backend received an event, never the sender's `time`: a sender's clock (or an
 * alert's `startsAt` a year ahead) must not open a rate limit or wedge a cooldown.
 */
export async function correlate(options: {
  sensor: SensorSpec;
  event: OrchestrationEvent;
  matchedDependencies: string[];
  group: string;
  state: CorrelationState;
  /** Epoch ms when the backend received the event. */
  receivedAt: number;
  /** Why the filters passed, to lead the reason of a match. */
  filterReason?: string;
}): Promise<CorrelationVerdict> {
  const { sensor, event, matchedDependencies, group, state, receivedAt } =
    options;
  const groupNote = group ? ` for ${group}` : '';

  if (sensor.resolvedBy && matchedDependencies.includes(sensor.resolvedBy)) {
    await state.clear();
    return {
      status: 'resolved',
      reason: `dependency '${sensor.resolvedBy}' resolved the pending state${groupNote}`,
    };
  }

  // Conditions over several dependencies.
  for (const dependency of matchedDependencies) {
    await state.putDependencyEvent(dependency, {
      eventId: event.id,
      receivedAt,
    });
  }
  if (sensor.conditionsReset?.within) {
    await state.removeDependencyEventsBefore(
      receivedAt - parseDuration(sensor.conditionsReset.within)!,
    );
  }
  if (sensor.conditionsReset?.cron) {
    const lastTick = CronExpressionParser.parse(sensor.conditionsReset.cron, {
      currentDate: new Date(receivedAt + 1),
      tz: sensor.conditionsReset.timezone,
    })
      .prev()
      .getTime();
    await state.removeDependencyEventsBefore(lastTick);
  }
  const remembered = await state.dependencyEvents();
  const satisfied = new Set(remembered.map(r => r.dependency));
  const names = conditionDependencies(sensor);
  const fulfilled = sensor.conditions
    ? evaluateConditions(parseConditions(sensor.conditions), satisfied)
    : names.every(n => satisfied.has(n));
  if (!fulfilled) {
    const waiting = names.filter(n => !satisfied.has(n));
    const have = names.filter(n => satisfied.has(n));
    return {
      status: 'pending',
      reason: `conditions ${
        sensor.conditions ? `'${sensor.conditions}' ` : ''
      }not met${groupNote}: waiting for ${waiting.join(', ')}${
        have.length ? `; have ${have.join(', ')}` : ''
      }`,
    };
  }
  const triggers = remembered
    .filter(r => names.includes(r.dependency))
    .sort((a, b) => a.receivedAt - b.receivedAt);
  let triggerEventIds = [...new Set(triggers.map(r => r.eventId))];
  // The fire is dated by the newest trigger event, whichever replica saw it last.
  let firedAt = Math.max(receivedAt, ...triggers.map(t => t.receivedAt));

  // Aggregation: count matching events in a sliding window.
  if (sensor.aggregate) {
    const within = parseDuration(sensor.aggregate.within)!;
    await state.addWindowEvent({ eventId: event.id, receivedAt });
    const inWindow = await state.windowEventsSince(receivedAt - within);
    if (inWindow.length < sensor.aggregate.count) {
      return {
        status: 'pending',
        reason: `${inWindow.length} of ${sensor.aggregate.count} within ${sensor.aggregate.within}${groupNote}`,
      };
    }
    triggerEventIds = inWindow.map(e => e.eventId);
    firedAt = Math.max(...inWindow.map(e => e.receivedAt));
  }

  if (sensor.cooldown) {
    const cooldown = parseDuration(sensor.cooldown)!;
    const last = await state.lastFire();
    if (last !== undefined && receivedAt - last < cooldown) {
      return {
        status: 'cooled-down',
        reason: `a run started ${formatDuration(
          receivedAt - last,
        )} earlier${groupNote}; cooldown ${sensor.cooldown}`,
      };
    }
  }

  if (sensor.rateLimit) {
    const per = parseDuration(sensor.rateLimit.per)!;
    const scope = sensor.aggregate?.groupBy ? 'group' : 'sensor';
    const fired = await state.firesSince(receivedAt - per, scope);
    if (fired >= sensor.rateLimit.max) {
      return {
        status: 'rate-limited',
        reason: `${fired} run(s) started within ${sensor.rateLimit.per}${
          scope === 'group' ? groupNote : ''
        }; the limit is ${sensor.rateLimit.max}`,
      };
    }
  }

  if (sensor.debounce) {
    // The fire waits: the engine parks it and fires when matches stop arriving.
    // The state stays, so the next match reaches this point again and pushes it back.
    return {
      status: 'pending',
      reason: `debounced: fires ${sensor.debounce} after the last match${groupNote} unless more arrive`,
      triggerEventIds,
      debounceMs: parseDuration(sensor.debounce)!,
    };
  }

  await state.recordFire(firedAt);
  await state.clear();
  const parts = [
    sensor.dependencies.length > 1 || sensor.conditions
      ? `conditions ${sensor.conditions ? `'${sensor.conditions}' ` : ''}met`
      : options.filterReason ??
        `dependency '${matchedDependencies[0]}' matched`,
    ...(sensor.aggregate
      ? [
          `${triggerEventIds.length} of ${sensor.aggregate.count} within ${sensor.aggregate.within}${groupNote}`,
        ]
      : []),
  ];
  return { status: 'matched', reason: parts.join('; '), triggerEventIds };
}
