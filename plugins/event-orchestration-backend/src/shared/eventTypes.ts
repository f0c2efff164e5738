/**
 * True when an event type is one a subscriber asked for: no patterns means all
 * types; `prefix.*` matches every type under `prefix.`; anything else is exact.
 */
export function eventTypeMatches(
  type: string,
  patterns: string[] | undefined,
): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some(p =>
    p.endsWith('.*') ? type.startsWith(p.slice(0, -1)) : p === type,
  );
}
