/* eslint-disable jest/expect-expect -- fc.assert is the assertion: it throws with the counterexample */
import fc from 'fast-check';
import {
  OrchestrationEvent,
  parseSensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { evaluateDataFilter } from './evaluateFilters';
import { filterEvent } from './evaluateSensor';
import { EventOwnership } from '../sources';

const ownership = EventOwnership.builtin();

/**
 * A second, deliberately plain evaluator of the equality and range operators,
 * written from the documentation: the engine must never match where it rejects.
 */
function referenceMatches(
  filter: Record<string, any>,
  data: Record<string, unknown>,
): boolean {
  // Own properties only, as documented: a path never reaches Object.prototype.
  const actual = Object.prototype.hasOwnProperty.call(data, filter.path)
    ? data[filter.path]
    : undefined;
  const same = (a: unknown, b: unknown) =>
    a === b ||
    (['string', 'number', 'boolean'].includes(typeof a) &&
      ['string', 'number', 'boolean'].includes(typeof b) &&
      String(a) === String(b));
  if ('value' in filter) {
    return (Array.isArray(filter.value) ? filter.value : [filter.value]).some(
      (v: unknown) => same(actual, v),
    );
  }
  if ('in' in filter) return filter.in.some((v: unknown) => same(actual, v));
  if ('notIn' in filter)
    return (
      actual !== undefined &&
      !filter.notIn.some((v: unknown) => same(actual, v))
    );
  if ('exists' in filter)
    return (actual !== undefined && actual !== null) === filter.exists;
  let n = NaN;
  if (typeof actual === 'number') n = actual;
  if (typeof actual === 'string' && actual.trim() !== '') n = Number(actual);
  if (!Number.isFinite(n)) return false;
  if ('gt' in filter) return n > filter.gt;
  if ('lt' in filter) return n < filter.lt;
  return false;
}

const key = fc.constantFrom(
  'a',
  'b',
  'c',
  'labels',
  '__proto__',
  'constructor',
  'ünï',
  '🚀',
);
const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('1', '1.5', ' ', '1e400', '-0'),
);
const value = fc.letrec(tie => ({
  any: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('any'), { maxLength: 4 }),
    fc.dictionary(key, tie('any'), { maxKeys: 4 }),
  ),
})).any;
const filter = fc.oneof(
  fc.record({ path: key, value: scalar }),
  fc.record({
    path: key,
    value: fc.array(scalar, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    path: key,
    in: fc.array(scalar, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    path: key,
    notIn: fc.array(scalar, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ path: key, exists: fc.boolean() }),
  fc.record({
    path: key,
    gt: fc.double({ noNaN: true, noDefaultInfinity: true }),
  }),
  fc.record({ path: key, lt: fc.integer() }),
);

describe('filters under generated input', () => {
  it('never throw and never match where the reference evaluator rejects', () => {
    fc.assert(
      fc.property(
        filter,
        fc.dictionary(key, value, { maxKeys: 6 }),
        (f, data) => {
          const verdict = evaluateDataFilter(f as any, data);
          const expected = referenceMatches(f, data);
          if (verdict.matched !== expected) {
            throw new Error(`engine ${verdict.matched}, reference ${expected}`);
          }
          if (!verdict.matched && !verdict.reason.includes(`data.${f.path}`)) {
            throw new Error(
              `reason does not name the field: ${verdict.reason}`,
            );
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('survives generated sensors and events: invalid specs are rejected, valid ones evaluate', () => {
    const spec = fc.record({
      name: fc.oneof(
        fc.constantFrom('ok-sensor', 'x'),
        fc.string({ maxLength: 10 }),
      ),
      dependencies: fc.array(
        fc.record({
          name: fc.constantFrom('a', 'b', 'Bad Name'),
          eventType: fc.constantFrom('t.one', 't.two'),
          filters: fc.record({ data: fc.array(filter, { maxLength: 3 }) }),
        }),
        { maxLength: 3 },
      ),
      workflow: fc.constant({
        steps: [{ id: 's', action: 'log', input: { message: 'x' } }],
      }),
      extra: fc.option(value, { nil: undefined }),
    });
    fc.assert(
      fc.property(
        spec,
        fc.constantFrom('t.one', 't.two'),
        fc.dictionary(key, value),
        (input, type, data) => {
          const { extra, ...rest } = input;
          const parsed = parseSensorSpec(
            extra === undefined ? rest : { ...rest, extra },
          );
          if (!parsed.success) {
            if (parsed.issues.length === 0)
              throw new Error('rejected without issues');
            return;
          }
          const event: OrchestrationEvent = {
            specversion: '1.0',
            id: 'e',
            source: '/fuzz',
            type,
            time: '2026-11-23T08:00:00Z',
            data,
            // From the type's owner, so the filters decide.
            origin: ownership.ownerOrigin(type),
          };
          const outcome = filterEvent(
            { spec: parsed.sensor, source: 'fuzz' },
            event,
            ownership,
          );
          for (const name of outcome.matchedDependencies) {
            const dep = parsed.sensor.dependencies.find(d => d.name === name)!;
            const rejected = dep.filters.data.find(
              f => !referenceMatches(f, data as any),
            );
            if (dep.eventType !== type || rejected) {
              throw new Error(
                `matched ${name} although ${JSON.stringify(
                  rejected ?? dep.eventType,
                )} rejects it`,
              );
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
