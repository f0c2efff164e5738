import { DataFilter } from '@edo/plugin-event-orchestration-common';
import { getAtPath, parsePath } from './paths';

/** Outcome of checking one event against a list of filters. */
export type FilterVerdict =
  | { matched: true }
  | { matched: false; reason: string };

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

function expectedList(values: unknown[]): string {
  return values.length === 1
    ? show(values[0])
    : `one of ${values.map(show).join(', ')}`;
}

/**
 * Equality as users of YAML expect it: `5` matches `"5"`, since label values are
 * strings in Alertmanager but numbers are natural to write in a sensor.
 */
function looselyEqual(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  if (
    (typeof actual === 'number' || typeof actual === 'boolean') &&
    typeof expected === 'string'
  ) {
    return String(actual) === expected;
  }
  if (
    typeof actual === 'string' &&
    (typeof expected === 'number' || typeof expected === 'boolean')
  ) {
    return actual === String(expected);
  }
  return false;
}

/** Checks one data filter against the event's `data`. */
export function evaluateDataFilter(
  filter: DataFilter,
  data: unknown,
): FilterVerdict {
  const actual = getAtPath(data, parsePath(filter.path));
  let expected: unknown[];
  if (filter.in !== undefined) {
    expected = filter.in;
  } else {
    expected = Array.isArray(filter.value) ? filter.value : [filter.value];
  }
  if (expected.some(e => looselyEqual(actual, e))) {
    return { matched: true };
  }
  return {
    matched: false,
    reason: `data.${filter.path} was ${show(actual)}, expected ${expectedList(
      expected,
    )}`,
  };
}

/** All filters must match; the first that does not gives the reason. */
export function evaluateDataFilters(
  filters: DataFilter[],
  data: unknown,
): FilterVerdict {
  for (const filter of filters) {
    const verdict = evaluateDataFilter(filter, data);
    if (!verdict.matched) return verdict;
  }
  return { matched: true };
}
