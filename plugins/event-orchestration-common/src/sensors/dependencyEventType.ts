/**
 * A dependency's `eventType` is an exact type, `prefix.*` (every type under
 * `prefix.`) or `*` (every type); the sensor spec accepts nothing else.
 *
 * @public
 */
export function isEventTypePattern(eventType: string): boolean {
  return eventType === '*' || eventType.endsWith('.*');
}

/** True when a dependency's `eventType` (exact or pattern) takes this event type. @public */
export function dependencyTakesType(
  dependencyType: string,
  eventType: string,
): boolean {
  if (dependencyType === eventType || dependencyType === '*') return true;
  return (
    dependencyType.endsWith('.*') &&
    eventType.startsWith(dependencyType.slice(0, -1))
  );
}
