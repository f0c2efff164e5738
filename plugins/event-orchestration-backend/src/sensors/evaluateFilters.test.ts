import {
  evaluateContextFilter,
  evaluateDataFilter,
  evaluateDataFilters,
  evaluateDependencyFilters,
  evaluateExprFilter,
  evaluateTimeFilter,
} from './evaluateFilters';
import { getAtPath, parsePath } from '../shared/paths';

const data = {
  status: 'firing',
  labels: {
    severity: 'warning',
    'app.kubernetes.io/name': 'shop',
    replicas: '3',
  },
  alerts: [{ labels: { app: 'first' } }],
};

describe('paths', () => {
  it('reads dotted paths, indexes and bracketed keys', () => {
    expect(getAtPath(data, parsePath('alerts.0.labels.app'))).toBe('first');
    expect(getAtPath(data, parsePath('alerts[0].labels.app'))).toBe('first');
    expect(getAtPath(data, parsePath('labels["app.kubernetes.io/name"]'))).toBe(
      'shop',
    );
    expect(getAtPath(data, parsePath('labels.nope'))).toBeUndefined();
  });
  it('never reaches the prototype chain', () => {
    expect(getAtPath(data, parsePath('labels.constructor'))).toBeUndefined();
    expect(getAtPath(data, parsePath('__proto__'))).toBeUndefined();
  });
  it('rejects malformed paths', () => {
    expect(() => parsePath('labels["x"')).toThrow(/unclosed/);
    expect(() => parsePath('')).toThrow(/empty/);
  });
});

describe('data filters', () => {
  it('matches equality, lists of values and in', () => {
    expect(
      evaluateDataFilter({ path: 'status', value: 'firing' }, data),
    ).toEqual({ matched: true });
    expect(
      evaluateDataFilter(
        { path: 'labels.severity', value: ['page', 'warning'] },
        data,
      ),
    ).toEqual({ matched: true });
    expect(
      evaluateDataFilter({ path: 'labels.replicas', value: 3 }, data),
    ).toEqual({ matched: true });
  });

  it('names the field, the actual and the expected values when a filter fails', () => {
    expect(
      evaluateDataFilter(
        { path: 'labels.severity', in: ['critical', 'page'] },
        data,
      ),
    ).toEqual({
      matched: false,
      reason:
        'data.labels.severity was `warning`, expected one of `critical`, `page`',
    });
    expect(
      evaluateDataFilter({ path: 'labels.slo', value: 'x' }, data),
    ).toEqual({
      matched: false,
      reason: 'data.labels.slo was missing, expected `x`',
    });
  });

  it('reports the first failing filter of a list', () => {
    expect(
      evaluateDataFilters(
        [
          { path: 'status', value: 'firing' },
          { path: 'labels.severity', value: 'critical' },
          { path: 'labels.slo', value: 'x' },
        ],
        data,
      ),
    ).toEqual({
      matched: false,
      reason: 'data.labels.severity was `warning`, expected `critical`',
    });
  });
});

describe('every data filter operator', () => {
  const sample = {
    name: 'my-awesome-app',
    replicas: 3,
    cpu: '0.93',
    big: 12345678901234567890,
    started: '2026-11-23T08:00:00Z',
    tags: ['prod', 'eu'],
    nothing: null,
    emoji: 'déploiement 🚀',
  };
  const cases: Array<[string, any, true | string]> = [
    ['value match', { path: 'name', value: 'my-awesome-app' }, true],
    [
      'value mismatch',
      { path: 'name', value: 'other' },
      'data.name was `my-awesome-app`, expected `other`',
    ],
    ['in', { path: 'replicas', in: [1, 3] }, true],
    ['notIn passes', { path: 'name', notIn: ['checkout'] }, true],
    [
      'notIn fails',
      { path: 'name', notIn: ['my-awesome-app'] },
      'data.name was `my-awesome-app`, expected none of `my-awesome-app`',
    ],
    [
      'notIn on a missing path',
      { path: 'nope', notIn: ['x'] },
      'data.nope was missing, expected a value not in `x`',
    ],
    ['exists', { path: 'tags', exists: true }, true],
    [
      'exists on null',
      { path: 'nothing', exists: true },
      'data.nothing was missing, expected it to exist',
    ],
    ['not exists', { path: 'nope', exists: false }, true],
    [
      'not exists fails',
      { path: 'replicas', exists: false },
      'data.replicas was `3`, expected it to be missing',
    ],
    ['regex', { path: 'name', regex: '^my-.*-app$' }, true],
    ['regex on unicode', { path: 'emoji', regex: '🚀$' }, true],
    [
      'regex mismatch',
      { path: 'name', regex: '^checkout' },
      'data.name was `my-awesome-app`, expected it to match /^checkout/',
    ],
    [
      'regex on a list',
      { path: 'tags', regex: 'prod' },
      'data.tags was `["prod","eu"]`, expected text matching /prod/',
    ],
    ['gt number', { path: 'replicas', gt: 2 }, true],
    ['gt on a numeric string', { path: 'cpu', gt: 0.9 }, true],
    [
      'lte fails',
      { path: 'replicas', lte: 2 },
      'data.replicas was `3`, expected <= `2`',
    ],
    ['range', { path: 'replicas', gte: 1, lt: 5 }, true],
    [
      'range upper bound',
      { path: 'replicas', gte: 1, lt: 3 },
      'data.replicas was `3`, expected < `3`',
    ],
    [
      'gt on text',
      { path: 'name', gt: 1 },
      'data.name was `my-awesome-app`, not a number; expected > `1`',
    ],
    ['huge numbers', { path: 'big', gt: 12345678901234567000 - 1e6 }, true],
    ['time after', { path: 'started', gt: '2026-11-23T07:59:59+00:00' }, true],
    [
      'time before fails',
      { path: 'started', lt: '2026-11-23T09:00:00+02:00' },
      'data.started was `2026-11-23T08:00:00Z`, expected < `2026-11-23T09:00:00+02:00`',
    ],
    [
      'time on a number',
      { path: 'replicas', gt: '2026-11-23T07:00:00Z' },
      'data.replicas was `3`, not an RFC 3339 time; expected > `2026-11-23T07:00:00Z`',
    ],
    ['contains in a list', { path: 'tags', contains: 'eu' }, true],
    ['contains in text', { path: 'name', contains: 'awesome' }, true],
    [
      'contains mismatch',
      { path: 'tags', contains: 'us' },
      'data.tags was `["prod","eu"]`, expected a list containing `us`',
    ],
    ['startsWith', { path: 'name', startsWith: 'my-' }, true],
    [
      'endsWith fails',
      { path: 'name', endsWith: '-svc' },
      'data.name was `my-awesome-app`, expected text ending with `-svc`',
    ],
    [
      'startsWith on a number',
      { path: 'replicas', startsWith: '3' },
      'data.replicas was `3`, expected text starting with `3`',
    ],
  ];
  it.each(cases)('%s', (_name, filter, expected) => {
    const verdict = evaluateDataFilter(filter, sample);
    expect(verdict).toEqual(
      expected === true
        ? { matched: true }
        : { matched: false, reason: expected },
    );
  });
});

describe('context, time and expression filters', () => {
  const event = {
    specversion: '1.0' as const,
    id: 'e',
    source: '/webhooks/github',
    type: 'github.push',
    subject: 'acme/shop',
    // Friday 2026-11-20 22:30 in Berlin (UTC+1)
    time: '2026-11-20T21:30:00Z',
    data: { ref: 'refs/heads/main', commits: 3 },
  };

  it('matches CloudEvent attributes with wildcards', () => {
    expect(
      evaluateContextFilter({ type: 'github.*', subject: 'acme/*' }, event),
    ).toEqual({ matched: true });
    expect(
      evaluateContextFilter({ source: '/webhooks/gitlab' }, event),
    ).toEqual({
      matched: false,
      reason: 'source was `/webhooks/github`, expected `/webhooks/gitlab`',
    });
  });

  it('checks time-of-day windows in a time zone, stop exclusive, across midnight', () => {
    const office = { start: '07:00', stop: '19:00', timezone: 'Europe/Berlin' };
    expect(evaluateTimeFilter(office, event)).toEqual({
      matched: false,
      reason:
        'time was 22:30 fri in Europe/Berlin, outside 07:00–19:00 Europe/Berlin',
    });
    const night = {
      start: '22:00',
      stop: '06:00',
      timezone: 'Europe/Berlin',
      days: ['fri' as const],
    };
    expect(evaluateTimeFilter(night, event)).toEqual({ matched: true });
    // Saturday 02:00 belongs to Friday's night window
    expect(
      evaluateTimeFilter(night, { ...event, time: '2026-11-21T01:00:00Z' }),
    ).toEqual({ matched: true });
    // Saturday 22:30 is a Saturday window
    expect(
      evaluateTimeFilter(night, { ...event, time: '2026-11-21T21:30:00Z' }),
    ).toEqual({
      matched: false,
      reason:
        'time was 22:30 sat in Europe/Berlin, a window of sat, expected fri',
    });
    // stop is exclusive
    expect(
      evaluateTimeFilter(
        { start: '07:00', stop: '19:00', timezone: 'UTC' },
        { ...event, time: '2026-11-20T19:00:00Z' },
      ).matched,
    ).toBe(false);
  });

  it('evaluates CEL expressions and reports runtime errors as non-matches', () => {
    expect(
      evaluateExprFilter(
        'event.data.ref.endsWith("/main") && event.data.commits > 2',
        event,
      ),
    ).toEqual({ matched: true });
    expect(evaluateExprFilter('event.data.commits > 5', event)).toEqual({
      matched: false,
      reason: 'expr `event.data.commits > 5` was false',
    });
    expect(evaluateExprFilter('event.data.missing == "x"', event)).toEqual({
      matched: false,
      reason: 'expr `event.data.missing == "x"` failed: No such key: missing',
    });
    expect(evaluateExprFilter('event.data.commits', event)).toEqual({
      matched: false,
      reason: 'expr `event.data.commits` returned `3`, not a boolean',
    });
  });

  it('combines filters with and (first failure) or or (any passes)', () => {
    const filters = {
      data: [{ path: 'ref', value: 'refs/heads/dev' }],
      context: { type: 'github.push' },
    };
    expect(evaluateDependencyFilters(filters, 'and', event)).toEqual({
      matched: false,
      reason: 'data.ref was `refs/heads/main`, expected `refs/heads/dev`',
    });
    expect(evaluateDependencyFilters(filters, 'or', event)).toEqual({
      matched: true,
    });
    expect(
      evaluateDependencyFilters(
        { data: [{ path: 'ref', value: 'x' }], expr: 'false' },
        'or',
        event,
      ),
    ).toEqual({
      matched: false,
      reason:
        'no filter passed: data.ref was `refs/heads/main`, expected `x`; expr `false` was false',
    });
  });
});

describe('matching in linear time', () => {
  // JavaScript's backtracking RegExp takes 2^n steps for these: with n = 34 the
  // first held the event loop for minutes. RE2 answers at once.
  it('answers a regex filter with nested quantifiers on hostile text', () => {
    const text = `${'a'.repeat(34)}b`;
    expect(
      evaluateDataFilter({ path: 'text', regex: '^(a+)+$' }, { text }),
    ).toEqual({
      matched: false,
      reason: `data.text was \`${text}\`, expected it to match /^(a+)+$/`,
    });
    expect(
      evaluateDataFilter({ path: 'text', regex: '(a|aa)+c' }, { text }),
    ).toMatchObject({ matched: false });
    expect(
      evaluateDataFilter({ path: 'text', regex: '^a+b$' }, { text }),
    ).toEqual({ matched: true });
  });

  it('refuses to match text longer than the budget of the pattern, saying so', () => {
    // ~1,000 instructions: at most 10,000 characters (instructions × characters ≤ 10^7).
    const regex = `^${'[a-z]{0,30}'.repeat(15)}$`;
    const text = 'a'.repeat(200_000);
    const verdict = evaluateDataFilter({ path: 'text', regex }, { text });
    expect(verdict.matched).toBe(false);
    expect(verdict).toMatchObject({
      reason: expect.stringMatching(
        /^data\.text was 200000 characters, longer than the \d+ \/.*\/ may be matched against$/,
      ),
    });
  });

  it('answers a context pattern with many wildcards on a long subject', () => {
    const event = {
      specversion: '1.0',
      id: '1',
      source: '/webhooks/github',
      type: 'github.push',
      subject: 'a'.repeat(5_000),
      time: '2026-01-01T00:00:00Z',
      data: {},
    } as const;
    // With the old wildcard RegExp (.*a.*a…) this took time n^stars.
    expect(
      evaluateContextFilter({ subject: '*a*a*a*a*a*a*a*a*b' }, event as any),
    ).toMatchObject({ matched: false });
    expect(evaluateContextFilter({ subject: 'a*a' }, event as any)).toEqual({
      matched: true,
    });
  });
});
