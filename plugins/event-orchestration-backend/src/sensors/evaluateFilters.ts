import {
  ContextFilter,
  DataFilter,
  DependencyFilters,
  LinearRegex,
  OrchestrationEvent,
  TimeFilter,
  compileLinearRegex,
} from '@edo/plugin-event-orchestration-common';
import { evaluateCel } from '../shared/templating/cel';
import { getAtPath, parsePath } from '../shared/paths';

/** Outcome of checking one event against filters. */
export type FilterVerdict =
  | { matched: true }
  | { matched: false; reason: string };

const PASS: FilterVerdict = { matched: true };
const fail = (reason: string): FilterVerdict => ({ matched: false, reason });

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `\`${text.length > 200 ? `${text.slice(0, 200)}…` : text}\``;
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
  const scalar = (v: unknown) =>
    typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';
  if (scalar(actual) && scalar(expected) && typeof actual !== typeof expected) {
    return String(actual) === String(expected);
  }
  return false;
}

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** A number, or a time as epoch ms when the operand is an RFC 3339 time. */
function toComparable(value: unknown, asTime: boolean): number | undefined {
  if (asTime) {
    if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (typeof value === 'number')
    return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

const COMPARATOR_SYMBOL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

// Patterns come from sensor files and from dry-run drafts, the text from webhooks:
// RE2 (linear time) so no pattern can stall the event loop.
const regexCache = new Map<string, LinearRegex>();
function compiledRegex(source: string) {
  let regex = regexCache.get(source);
  if (!regex) {
    regex = compileLinearRegex(source);
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(source, regex);
  }
  return regex;
}

/** Checks one data filter against the event's `data`. */
export function evaluateDataFilter(
  filter: DataFilter,
  data: unknown,
): FilterVerdict {
  const actual = getAtPath(data, parsePath(filter.path));
  const field = `data.${filter.path}`;
  const was = `${field} was ${show(actual)}`;

  if (filter.exists !== undefined) {
    const present = actual !== undefined && actual !== null;
    if (present === filter.exists) return PASS;
    return fail(
      filter.exists
        ? `${field} was missing, expected it to exist`
        : `${was}, expected it to be missing`,
    );
  }
  if (filter.value !== undefined) {
    const expected = Array.isArray(filter.value)
      ? filter.value
      : [filter.value];
    return expected.some(e => looselyEqual(actual, e))
      ? PASS
      : fail(`${was}, expected ${expectedList(expected)}`);
  }
  if (filter.in !== undefined) {
    return filter.in.some(e => looselyEqual(actual, e))
      ? PASS
      : fail(`${was}, expected ${expectedList(filter.in)}`);
  }
  if (filter.notIn !== undefined) {
    if (actual === undefined)
      return fail(
        `${was}, expected a value not in ${filter.notIn.map(show).join(', ')}`,
      );
    return filter.notIn.some(e => looselyEqual(actual, e))
      ? fail(`${was}, expected none of ${filter.notIn.map(show).join(', ')}`)
      : PASS;
  }
  if (filter.regex !== undefined) {
    if (typeof actual !== 'string' && typeof actual !== 'number') {
      return fail(`${was}, expected text matching /${filter.regex}/`);
    }
    const regex = compiledRegex(filter.regex);
    const text = String(actual);
    if (text.length > regex.maxTextLength)
      return fail(
        `${field} was ${text.length} characters, longer than the ${regex.maxTextLength} /${filter.regex}/ may be matched against`,
      );
    return regex.test(text)
      ? PASS
      : fail(`${was}, expected it to match /${filter.regex}/`);
  }
  if (filter.contains !== undefined) {
    if (Array.isArray(actual)) {
      return actual.some(item => looselyEqual(item, filter.contains))
        ? PASS
        : fail(`${was}, expected a list containing ${show(filter.contains)}`);
    }
    if (typeof actual === 'string') {
      return actual.includes(String(filter.contains))
        ? PASS
        : fail(
            `${was}, expected text containing ${show(String(filter.contains))}`,
          );
    }
    return fail(
      `${was}, expected text or a list containing ${show(filter.contains)}`,
    );
  }
  if (filter.startsWith !== undefined || filter.endsWith !== undefined) {
    const [op, operand] =
      filter.startsWith !== undefined
        ? (['starting with', filter.startsWith] as const)
        : (['ending with', filter.endsWith!] as const);
    if (typeof actual !== 'string')
      return fail(`${was}, expected text ${op} ${show(operand)}`);
    const ok =
      filter.startsWith !== undefined
        ? actual.startsWith(operand)
        : actual.endsWith(operand);
    return ok ? PASS : fail(`${was}, expected text ${op} ${show(operand)}`);
  }

  // gt / gte / lt / lte, possibly combined into a range
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    const operand = filter[op];
    if (operand === undefined) continue;
    const asTime = typeof operand === 'string';
    const left = toComparable(actual, asTime);
    const right = toComparable(operand, asTime)!;
    const expectation = `expected ${COMPARATOR_SYMBOL[op]} ${show(operand)}`;
    if (left === undefined) {
      return fail(
        `${was}, ${
          asTime ? 'not an RFC 3339 time' : 'not a number'
        }; ${expectation}`,
      );
    }
    const ok =
      (op === 'gt' && left > right) ||
      (op === 'gte' && left >= right) ||
      (op === 'lt' && left < right) ||
      (op === 'lte' && left <= right);
    if (!ok) return fail(`${was}, ${expectation}`);
  }
  return PASS;
}

/**
 * `*` matches any run of characters; everything else is literal. RE2 too: with
 * a backtracking engine, `*a*a*a*a*b` against a long run of `a`s takes time
 * growing with the input to the power of the stars.
 */
const wildcards = new Map<string, LinearRegex>();
function wildcardMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  let regex = wildcards.get(pattern);
  if (!regex) {
    regex = compileLinearRegex(
      `(?s)^${pattern
        .split('*')
        .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    if (wildcards.size > 10_000) wildcards.clear();
    wildcards.set(pattern, regex);
  }
  // A subject longer than the pattern's budget cannot match a sensible pattern anyway.
  return value.length <= regex.maxTextLength && regex.test(value);
}

/** Checks CloudEvent attributes against patterns. */
export function evaluateContextFilter(
  filter: ContextFilter,
  event: OrchestrationEvent,
): FilterVerdict {
  for (const attribute of ['type', 'source', 'subject'] as const) {
    const pattern = filter[attribute];
    if (pattern === undefined) continue;
    if (!wildcardMatches(pattern, event[attribute])) {
      return fail(
        `${attribute} was ${show(event[attribute])}, expected ${show(pattern)}`,
      );
    }
  }
  return PASS;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The wall-clock minute of the day and weekday of an instant in a time zone. */
const clockFormats = new Map<string, Intl.DateTimeFormat>();
function localClock(ms: number, timeZone: string) {
  let format = clockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    clockFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(ms));
  const get = (type: string) => parts.find(p => p.type === type)?.value ?? '';
  return {
    minute: Number(get('hour')) * 60 + Number(get('minute')),
    weekday: get('weekday').slice(0, 3).toLowerCase(),
  };
}

const minutesOf = (clock: string) =>
  Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/**
 * Checks the event's `time` against a time-of-day window: start inclusive, stop
 * exclusive; a window whose stop is before its start wraps midnight, and then
 * its day is the day it started (Friday 22:00–06:00 includes Saturday 02:00).
 */
export function evaluateTimeFilter(
  filter: TimeFilter,
  event: OrchestrationEvent,
): FilterVerdict {
  const ms = Date.parse(event.time);
  if (Number.isNaN(ms))
    return fail(`time was ${show(event.time)}, not a valid time`);
  const { minute, weekday } = localClock(ms, filter.timezone);
  const start = minutesOf(filter.start);
  const stop = minutesOf(filter.stop);
  const window = `${filter.start}–${filter.stop} ${filter.timezone}`;
  let inWindow: boolean;
  let windowDay = weekday;
  if (start < stop) {
    inWindow = minute >= start && minute < stop;
  } else {
    inWindow = minute >= start || minute < stop;
    if (minute < stop) {
      windowDay = WEEKDAYS[(WEEKDAYS.indexOf(weekday) + 6) % 7];
    }
  }
  const local = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(
    minute % 60,
  ).padStart(2, '0')}`;
  if (!inWindow)
    return fail(
      `time was ${local} ${weekday} in ${filter.timezone}, outside ${window}`,
    );
  if (filter.days && !filter.days.includes(windowDay as any)) {
    return fail(
      `time was ${local} ${weekday} in ${
        filter.timezone
      }, a window of ${windowDay}, expected ${filter.days.join(', ')}`,
    );
  }
  return PASS;
}

/** Evaluates a CEL filter; a runtime error is a non-match with the error as reason. */
export function evaluateExprFilter(
  expr: string,
  event: OrchestrationEvent,
): FilterVerdict {
  let result: unknown;
  try {
    result = evaluateCel(expr, { event });
  } catch (error) {
    return fail(
      `expr \`${expr}\` failed: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (result === true) return PASS;
  if (result === false) return fail(`expr \`${expr}\` was false`);
  return fail(`expr \`${expr}\` returned ${show(result)}, not a boolean`);
}

/** All data filters must match; the first that does not gives the reason. */
export function evaluateDataFilters(
  filters: DataFilter[],
  data: unknown,
): FilterVerdict {
  for (const filter of filters) {
    const verdict = evaluateDataFilter(filter, data);
    if (!verdict.matched) return verdict;
  }
  return PASS;
}

/**
 * Evaluates every filter of a dependency. With `and` (the default) the first
 * failing filter is the reason; with `or` one passing filter is enough, and the
 * reason lists every failure.
 */
export function evaluateDependencyFilters(
  filters: DependencyFilters,
  operator: 'and' | 'or',
  event: OrchestrationEvent,
): FilterVerdict {
  // Cheapest first: data filters, then attributes, time, and CEL last.
  const reasons: string[] = [];
  const consider = (verdict: FilterVerdict): FilterVerdict | undefined => {
    if (operator === 'and') return verdict.matched ? undefined : verdict;
    if (verdict.matched) return verdict;
    reasons.push(verdict.reason);
    return undefined;
  };
  let decided: FilterVerdict | undefined;
  let count = 0;
  for (const filter of filters.data) {
    count++;
    decided = consider(evaluateDataFilter(filter, event.data));
    if (decided) return decided;
  }
  if (filters.context) {
    count++;
    decided = consider(evaluateContextFilter(filters.context, event));
    if (decided) return decided;
  }
  if (filters.time) {
    count++;
    decided = consider(evaluateTimeFilter(filters.time, event));
    if (decided) return decided;
  }
  if (filters.expr) {
    count++;
    decided = consider(evaluateExprFilter(filters.expr, event));
    if (decided) return decided;
  }
  if (operator === 'and' || count === 0) return PASS;
  return fail(`no filter passed: ${reasons.join('; ')}`);
}

/** Counts the filters of a dependency, for the "matched" reason. */
export function countFilters(filters: DependencyFilters): number {
  return (
    filters.data.length +
    (filters.context ? 1 : 0) +
    (filters.time ? 1 : 0) +
    (filters.expr ? 1 : 0)
  );
}
