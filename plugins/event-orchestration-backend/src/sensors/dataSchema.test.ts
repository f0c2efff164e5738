import {
  SensorDataSchema,
  parseSensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { checkDataSchema } from './dataSchema';

const remediation: SensorDataSchema = {
  type: 'object',
  required: ['action', 'application'],
  properties: {
    action: { enum: ['sync', 'rollback', 'scale', 'restart'] },
    application: {
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
    },
    replicas: { type: 'integer', minimum: 0, maximum: 20 },
  },
};

describe('dataSchema (issue 18: sensor input schemas)', () => {
  it('accepts data that fits', () => {
    expect(
      checkDataSchema(remediation, {
        action: 'scale',
        application: 'payments',
        replicas: 3,
      }),
    ).toEqual({ fits: true });
  });

  it.each([
    [{ application: 'payments' }, 'data.action is missing'],
    [
      { action: 'delete', application: 'x' },
      'data.action must be equal to one of the allowed values: "sync", "rollback", "scale", "restart"',
    ],
    [
      { action: 'sync', application: '..' },
      'data.application must match pattern',
    ],
    [
      { action: 'scale', application: 'a', replicas: '1\nkind: Secret' },
      'data.replicas must be integer',
    ],
    [
      { action: 'scale', application: 'a', replicas: 50 },
      'data.replicas must be <= 20',
    ],
  ])('rejects %j naming the field', (data, reason) => {
    const verdict = checkDataSchema(remediation, data);
    expect(verdict.fits).toBe(false);
    expect((verdict as { reason: string }).reason).toContain(reason);
    expect((verdict as { reason: string }).reason).toMatch(
      /^data does not fit the dependency's dataSchema: /,
    );
  });

  it('matches patterns with RE2, so a backtracking pattern cannot stall it', () => {
    // Refused when the sensor is loaded: RE2 has no backreferences.
    const refused = parseSensorSpec({
      name: 's',
      dependencies: [
        {
          name: 'd',
          eventType: 'x.y',
          dataSchema: { properties: { a: { pattern: '^(a+)\\1$' } } },
        },
      ],
      workflow: { steps: [{ id: 'l', action: 'log', input: {} }] },
    });
    expect(refused.success).toBe(false);
    // A classic catastrophic pattern for backtracking engines runs linearly.
    const started = process.hrtime.bigint();
    const verdict = checkDataSchema(
      { properties: { a: { pattern: '^(a+)+$' } } },
      { a: `${'a'.repeat(5000)}!` },
    );
    expect(verdict.fits).toBe(false);
    // Not a timing assertion on speed, a bound on pathology: a backtracking
    // engine would take longer than the age of the universe here.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(10);
  });

  it('refuses schemas outside the allowed keywords, too deep, or with $ref', () => {
    const spec = (dataSchema: unknown) =>
      parseSensorSpec({
        name: 's',
        dependencies: [{ name: 'd', eventType: 'x.y', dataSchema }],
        workflow: { steps: [{ id: 'l', action: 'log', input: {} }] },
      });
    expect(spec({ $ref: '#/definitions/x' }).success).toBe(false);
    expect(spec({ format: 'email' }).success).toBe(false);
    let deep: any = { type: 'string' };
    for (let i = 0; i < 7; i++) deep = { properties: { a: deep } };
    expect(spec(deep).success).toBe(false);
    expect(spec({ properties: { a: { type: 'integer' } } }).success).toBe(true);
    // A hostile draft nested 100,000 levels: refused, the stack intact.
    let hostile: any = {};
    for (let i = 0; i < 100_000; i++) hostile = { items: hostile };
    const refused = spec(hostile);
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused)).toContain('nests deeper than 6 levels');
    // Wide instead of deep (the review's 100 × 50 draft compiled for a second).
    const wide = {
      properties: Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [
          `p${i}`,
          { properties: { a: { type: 'string' }, b: { type: 'string' } } },
        ]),
      ),
    };
    expect(JSON.stringify(spec(wide))).toContain('holds more than 200 schemas');
  });
});
