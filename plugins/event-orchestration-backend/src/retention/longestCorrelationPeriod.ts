import {
  SensorSpec,
  parseDuration,
} from '@edo/plugin-event-orchestration-common';

/**
 * The longest period over which a sensor looks back at its correlation state:
 * aggregation window, conditions reset, cooldown, rate-limit period, debounce.
 * State younger than this is never pruned, whatever the retention says.
 */
export function longestCorrelationPeriodMs(
  sensors: ReadonlyArray<SensorSpec>,
): number {
  let longest = 0;
  for (const sensor of sensors) {
    for (const duration of [
      sensor.aggregate?.within,
      sensor.conditionsReset?.within,
      sensor.cooldown,
      sensor.rateLimit?.per,
      sensor.debounce,
    ]) {
      const ms = duration ? parseDuration(duration) ?? 0 : 0;
      longest = Math.max(longest, ms);
    }
  }
  return longest;
}
