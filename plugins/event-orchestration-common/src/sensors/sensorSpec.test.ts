import { parseSensorSpec } from './sensorSpec';

function sensorWith(dependency: Record<string, unknown>) {
  return {
    name: 'example',
    dependencies: [
      { name: 'dep', eventType: 'alertmanager.alert', ...dependency },
    ],
    workflow: {
      steps: [{ id: 'say', action: 'log', input: { message: 'hi' } }],
    },
  };
}

function issuesOf(input: unknown) {
  const result = parseSensorSpec(input);
  return result.success ? [] : result.issues;
}

describe('parseSensorSpec', () => {
  it('accepts every filter kind and fills defaults', () => {
    const result = parseSensorSpec(
      sensorWith({
        filters: {
          data: [
            { path: 'labels.severity', in: ['critical'] },
            { path: 'value', gte: 1, lt: 10 },
            { path: 'startsAt', gt: '2026-01-01T00:00:00Z' },
          ],
          expr: 'event.data.status == "firing"',
          context: { source: '/webhooks/*' },
          time: { start: '07:00', stop: '19:00', days: ['mon', 'fri'] },
        },
      }),
    );
    expect(result).toMatchObject({
      success: true,
      sensor: {
        dependencies: [
          {
            filtersLogicalOperator: 'and',
            filters: { time: { timezone: 'UTC' } },
          },
        ],
      },
    });
  });

  it.each([
    ['(a)\\1', /invalid escape sequence/],
    ['(?=a)b', /unsupported Perl syntax/],
    ['(?<=a)b', /invalid named capture/],
    ['a{0,1000}'.repeat(110), /counted repeats add up to 110000, at most 2000/],
  ])(
    'refuses the pattern %s, which needs a backtracking engine or is too large, naming RE2 and the reason',
    (regex, reason) => {
      const issues = issuesOf(
        sensorWith({ filters: { data: [{ path: 'a', regex }] } }),
      );
      expect(issues).toEqual([
        {
          path: 'dependencies[0].filters.data[0].regex',
          message: expect.stringMatching(
            /^invalid regular expression: RE2 cannot run it/,
          ),
        },
      ]);
      expect(issues[0].message).toMatch(reason);
    },
  );

  it('names the path and the problem of each invalid filter', () => {
    expect(
      issuesOf(
        sensorWith({
          filters: {
            data: [
              { path: 'a', value: 'x', regex: 'y' },
              { path: 'b', regex: '(' },
              { path: 'c' },
              { path: 'd', gt: 'yesterday' },
            ],
            time: { start: '7:00', stop: '19:00', timezone: 'Mars/Olympus' },
          },
        }),
      ),
    ).toEqual([
      {
        path: 'dependencies[0].filters.data[0]',
        message:
          'has several operators (value, regex); use one filter per operator (only gt/gte/lt/lte combine, as a range)',
      },
      {
        path: 'dependencies[0].filters.data[1].regex',
        message: expect.stringMatching(/^invalid regular expression: /),
      },
      {
        path: 'dependencies[0].filters.data[2]',
        message:
          'needs an operator: one of value, in, notIn, exists, regex, gt, gte, lt, lte, contains, startsWith, endsWith',
      },
      {
        path: 'dependencies[0].filters.data[3].gt',
        message: 'must be a number or an RFC 3339 time',
      },
      {
        path: 'dependencies[0].filters.time.start',
        message: 'must be a time of day as HH:MM (24 h)',
      },
      {
        path: 'dependencies[0].filters.time.timezone',
        message: 'must be an IANA time zone such as Europe/Berlin',
      },
    ]);
  });

  it("takes '*' and 'prefix.*' as dependency event types, and no other wildcard", () => {
    for (const eventType of ['*', 'alertmanager.*', 'ci.image.*']) {
      expect(issuesOf(sensorWith({ eventType }))).toEqual([]);
    }
    for (const eventType of [
      'alertmanager*',
      '*.alert',
      'alert*.alert',
      'alertmanager.**',
      '.*',
      'Alertmanager.*',
      '**',
    ]) {
      expect(issuesOf(sensorWith({ eventType }))).toEqual([
        {
          path: 'dependencies[0].eventType',
          message:
            "a wildcard is '*' alone or 'prefix.*' (a dotted lower-case prefix, e.g. alertmanager.*); '*' may appear nowhere else",
        },
      ]);
    }
  });

  it('rejects unknown keys, bad names and duplicate step ids', () => {
    expect(
      issuesOf({
        ...sensorWith({}),
        name: 'Not Valid',
        throttle: '10m',
        workflow: {
          steps: [
            { id: 'a', action: 'log' },
            { id: 'a', action: 'log' },
          ],
        },
      }),
    ).toEqual([
      {
        path: 'name',
        message: expect.stringMatching(/^must be lower-case letters/),
      },
      { path: '(root)', message: "unknown key(s) 'throttle'" },
      { path: 'workflow.steps[1].id', message: "duplicate step id 'a'" },
    ]);
  });

  it('takes the sources a dependency accepts as source types or source names', () => {
    const parsed = parseSensorSpec(
      sensorWith({ sources: ['alertmanager', 'ci-images'] }),
    );
    expect(parsed.success && parsed.sensor.dependencies[0].sources).toEqual([
      'alertmanager',
      'ci-images',
    ]);
    const unset = parseSensorSpec(sensorWith({}));
    expect(
      unset.success && unset.sensor.dependencies[0].sources,
    ).toBeUndefined();
    expect(issuesOf(sensorWith({ sources: [] }))).toEqual([
      {
        path: 'dependencies[0].sources',
        message: expect.stringContaining('at least 1'),
      },
    ]);
    expect(issuesOf(sensorWith({ sources: ['Portal User'] }))).toEqual([
      {
        path: 'dependencies[0].sources[0]',
        message:
          'must be a source type such as alertmanager or portal, or the name of a configured source',
      },
    ]);
  });
});
