/* eslint-disable jest/expect-expect -- fc.assert is the assertion: it throws with the counterexample */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import fc from 'fast-check';
import { loadSensors } from '../sensors/loadSensors';
import { WebhookSources, readWebhookSources } from './webhookSources';

jest.setTimeout(120_000);

/**
 * Bad input, generated: ≥ 10,000 webhook bodies for the Alertmanager, generic and
 * GitHub adapters (malformed JSON, wrong types, deep nesting, huge strings,
 * unicode, `__proto__` / `constructor` keys) and ≥ 10,000 sensor definitions for
 * the loader. Every outcome must be events or a 4xx-class error; nothing may
 * crash, reach Object.prototype, or grow memory without bound.
 */

const TOKEN = 'fuzz-token';
const GITHUB_SECRET = 'fuzz-github-secret';
const sources = new WebhookSources(
  readWebhookSources(
    new ConfigReader({
      eventOrchestration: {
        sources: {
          webhooks: [
            {
              name: 'alertmanager',
              type: 'alertmanager',
              auth: { bearerToken: TOKEN },
            },
            {
              name: 'ci',
              type: 'generic',
              eventType: 'ci.image.pushed',
              subjectPath: 'image',
              idPath: 'build.id',
              auth: { bearerToken: TOKEN },
            },
            {
              name: 'github',
              type: 'github',
              auth: { hmac: { secret: GITHUB_SECRET } },
            },
          ],
        },
      },
    }),
  ),
);

/** The errors Backstage answers with 4xx; anything else would be a 500. */
const CLIENT_ERRORS = [
  'InputError',
  'AuthenticationError',
  'NotFoundError',
  'PayloadTooLargeError',
];

const pollutionKeys = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
);
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '💥'.repeat(50),
    'x'.repeat(70_000),
    '1e309',
    '-0',
    'NaN',
    'null',
    'true',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const messyObject = fc.letrec(tie => ({
  value: fc.oneof({ depthSize: 'small' }, nasty, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(
    fc.oneof(pollutionKeys, fc.string({ maxLength: 10 })),
    tie('value'),
    { maxKeys: 6 },
  ),
})).object;

/** Near-valid Alertmanager payloads: the right keys with wrong or hostile values. */
const alertmanagerish = fc.record(
  {
    version: fc.oneof(fc.constant('4'), nasty),
    status: fc.oneof(fc.constantFrom('firing', 'resolved'), nasty),
    receiver: nasty,
    groupLabels: fc.oneof(messyObject, nasty),
    commonLabels: fc.oneof(messyObject, nasty),
    alerts: fc.oneof(
      fc.array(
        fc.record(
          {
            status: fc.oneof(fc.constantFrom('firing', 'resolved'), nasty),
            labels: fc.oneof(
              fc.dictionary(
                fc.oneof(pollutionKeys, fc.string({ maxLength: 12 })),
                fc.oneof(fc.string({ maxLength: 30 }), nasty),
              ),
              nasty,
            ),
            annotations: fc.oneof(messyObject, nasty),
            startsAt: fc.oneof(
              fc.date({ noInvalidDate: true }).map(d => d.toISOString()),
              nasty,
            ),
            endsAt: fc.oneof(fc.constant('0001-01-01T00:00:00Z'), nasty),
            fingerprint: fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), nasty),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      nasty,
    ),
  },
  { requiredKeys: [] },
);

/** Bodies as text: JSON of hostile structures, broken JSON, deep nesting, prototype keys. */
const body = (structured: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 5, arbitrary: structured.map(v => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: structured.map(v => (JSON.stringify(v) ?? 'x').slice(0, -1)),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 20_000 })
        .map(n => `${'['.repeat(n)}${']'.repeat(n)}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 5_000 })
        .map(n => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"__proto__": {"polluted": 1}, "image": "x", "build": {"id": "__proto__"}}',
        '{"constructor": {"prototype": {"polluted": 1}}, "alerts": [{"labels": {"__proto__": {"polluted": 1}}}]}',
        '{"alerts": [{"status": "firing", "labels": {"__proto__": "x", "constructor": "y"}, "startsAt": "2026-11-24T00:00:00Z", "fingerprint": "ab"}], "version": "4"}',
      ),
    },
  );

function outcome(
  sourceName: string,
  headers: Record<string, string>,
  text: string,
) {
  try {
    const events = sources.toEvents({ sourceName, headers, body: text });
    // What is published must survive the bus and the store.
    for (const event of events) {
      const copy = JSON.parse(JSON.stringify(event));
      if (
        typeof copy.id !== 'string' ||
        !copy.id ||
        typeof copy.type !== 'string' ||
        typeof copy.source !== 'string'
      ) {
        throw new Error(
          `malformed event ${JSON.stringify(copy).slice(0, 200)}`,
        );
      }
    }
    return 'accepted';
  } catch (error) {
    const name = (error as Error).name;
    if (!CLIENT_ERRORS.includes(name)) {
      throw new Error(
        `${sourceName}: ${name}: ${
          (error as Error).message
        } for body ${text.slice(0, 200)}`,
      );
    }
    return name;
  }
}

const counts: Record<string, number> = {};
const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);

describe('fuzzing the webhook adapters', () => {
  const heapBefore = process.memoryUsage().heapUsed;

  it('Alertmanager: 4,000 bodies, each accepted or refused with a 4xx reason', () => {
    fc.assert(
      fc.property(body(fc.oneof(alertmanagerish, messyObject)), text => {
        count(
          `alertmanager ${outcome(
            'alertmanager',
            { authorization: `Bearer ${TOKEN}` },
            text,
          )}`,
        );
      }),
      { numRuns: 4_000 },
    );
  });

  it('generic: 4,000 bodies', () => {
    const ci = fc.record(
      {
        image: nasty,
        tag: nasty,
        build: fc.oneof(fc.record({ id: nasty }), messyObject, nasty),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(body(fc.oneof(ci, messyObject)), text => {
        count(
          `generic ${outcome(
            'ci',
            { authorization: `Bearer ${TOKEN}` },
            text,
          )}`,
        );
      }),
      { numRuns: 4_000 },
    );
  });

  it('GitHub: 4,000 signed deliveries with hostile headers and bodies', () => {
    const headerValue = fc.oneof(
      fc.constantFrom(
        'push',
        'pull_request',
        'registry_package',
        'workflow_run',
        'ping',
      ),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(
        body(messyObject),
        headerValue,
        fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })),
        (text, eventName, delivery) => {
          const signature = `sha256=${createHmac('sha256', GITHUB_SECRET)
            .update(text)
            .digest('hex')}`;
          count(
            `github ${outcome(
              'github',
              {
                'x-hub-signature-256': signature,
                'x-github-event': eventName,
                'x-github-delivery': delivery,
                'content-type': 'application/json',
              },
              text,
            )}`,
          );
        },
      ),
      { numRuns: 4_000 },
    );
  });

  it('refuses bodies nested deeper than 64 levels with a reason', () => {
    const deep = `${'['.repeat(65)}${']'.repeat(65)}`;
    expect(() =>
      sources.toEvents({
        sourceName: 'ci',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: deep,
      }),
    ).toThrow('Request body is nested deeper than 64 levels');
    const fine = JSON.stringify({
      image: 'x',
      build: { id: 1 },
      deep: JSON.parse(`${'['.repeat(60)}${']'.repeat(60)}`),
    });
    expect(
      sources.toEvents({
        sourceName: 'ci',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: fine,
      }),
    ).toHaveLength(1);
  });

  it('left Object.prototype alone and memory bounded', () => {
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as any).polluted).toBeUndefined();
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    expect(grownMb).toBeLessThan(256);
    // Both outcomes happened for every adapter: the generators reach past the parser.
    for (const adapter of ['alertmanager', 'generic', 'github']) {
      expect(counts[`${adapter} accepted`]).toBeGreaterThan(0);
      expect(counts[`${adapter} InputError`]).toBeGreaterThan(0);
    }
    // eslint-disable-next-line no-console
    console.log(`webhook fuzz outcomes: ${JSON.stringify(counts)}`);
  });
});

describe('fuzzing the sensor loader', () => {
  it('loads 8,000 generated definitions and 2,000 YAML texts without throwing, reporting each broken one', () => {
    const sensorish = fc.record(
      {
        name: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), nasty),
        dependencies: fc.oneof(
          fc.array(
            fc.record(
              {
                name: fc.oneof(fc.stringMatching(/^[a-z]{1,8}$/), nasty),
                eventType: fc.oneof(
                  fc.constantFrom('alertmanager.alert', 'ci.image.pushed'),
                  nasty,
                ),
                filters: fc.oneof(
                  fc.record(
                    {
                      data: fc.array(
                        fc.record(
                          {
                            path: fc.oneof(
                              fc.constantFrom(
                                'status',
                                'labels.app',
                                '__proto__.x',
                                'constructor',
                              ),
                              nasty,
                            ),
                            value: nasty,
                          },
                          { requiredKeys: [] },
                        ),
                        { maxLength: 3 },
                      ),
                      expr: fc.oneof(
                        fc.constantFrom(
                          'event.data.x > 1',
                          'event.data.(',
                          '1 +',
                          'true',
                        ),
                        nasty,
                      ),
                    },
                    { requiredKeys: [] },
                  ),
                  messyObject,
                ),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 3 },
          ),
          nasty,
        ),
        aggregate: fc.oneof(
          fc.record(
            {
              count: nasty,
              within: fc.oneof(
                fc.constantFrom('5m', '1h', '-1s', '99999999d'),
                nasty,
              ),
            },
            { requiredKeys: [] },
          ),
          nasty,
        ),
        workflow: fc.oneof(
          fc.record(
            {
              steps: fc.array(
                fc.record(
                  {
                    id: nasty,
                    action: fc.oneof(fc.constant('log'), nasty),
                    input: messyObject,
                    if: nasty,
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 3 },
              ),
            },
            { requiredKeys: [] },
          ),
          nasty,
        ),
      },
      { requiredKeys: [] },
    );
    const validSensor = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
      dependencies: fc.array(
        fc.record({
          name: fc.stringMatching(/^[a-z]{1,8}$/),
          eventType: fc.constantFrom('alertmanager.alert', 'ci.image.pushed'),
        }),
        { minLength: 1, maxLength: 1 },
      ),
      workflow: fc.record({
        steps: fc.constant([
          {
            id: 'note',
            action: 'log',
            input: { message: '${{ event.subject }}' },
          },
        ]),
      }),
    });
    let loaded = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(validSensor, sensorish, messyObject), input => {
        const result = loadSensors(
          new ConfigReader({
            eventOrchestration: {
              sensors: [JSON.parse(JSON.stringify(input))],
            },
          }),
        );
        expect(result.sensors.length + result.errors.length).toBe(1);
        // A refused definition always says why.
        expect(result.errors.every(e => e.issues.length > 0)).toBe(true);
        if (result.errors.length) refused++;
        else loaded++;
      }),
      { numRuns: 8_000 },
    );

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-fuzz-sensors-'));
    const file = path.join(dir, 'sensor.yaml');
    const yamlText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom(
        'name: x\ndependencies: [',
        ': : :',
        '&a [*a, *a]',
        '!!js/function "() => 1"',
        'a: &x 1\nb: *y',
        '- - - -',
        '{'.repeat(500),
      ),
      sensorish.map(v => JSON.stringify(v)),
    );
    try {
      fc.assert(
        fc.property(yamlText, text => {
          fs.writeFileSync(file, text);
          const result = loadSensors(
            new ConfigReader({ eventOrchestration: { sensorFiles: [file] } }),
            { workingDirectory: dir },
          );
          for (const error of result.errors)
            expect(error.issues.length).toBeGreaterThan(0);
        }),
        { numRuns: 2_000 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(refused).toBeGreaterThan(0);
    expect(loaded).toBeGreaterThan(0);
    expect(Object.keys(Object.prototype)).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(
      `sensor loader fuzz: ${loaded} loaded, ${refused} refused of 8000 definitions; 2000 YAML texts`,
    );
  });
});
