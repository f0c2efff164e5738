import { z } from 'zod';
import { conditionNames, parseConditions } from './conditions';
import { parseDuration } from './durations';
import { sensorDataSchemaSchema } from './dataSchema';
import { compileLinearRegex } from './linearRegex';

const identifier = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be lower-case letters, digits and dashes, starting and ending with a letter or digit',
  )
  .max(63);

const filterValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** Comparators take a number or an RFC 3339 time. */
const comparable = z.union([
  z.number(),
  z.string().datetime({
    offset: true,
    message: 'must be a number or an RFC 3339 time',
  }),
]);

/** The operators a data filter may use; each filter uses one (or a gt/lt range). */
export const DATA_FILTER_OPERATORS = [
  'value',
  'in',
  'notIn',
  'exists',
  'regex',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'startsWith',
  'endsWith',
] as const;
const COMPARATORS = ['gt', 'gte', 'lt', 'lte'];

/**
 * One data filter: tests the value at `path` inside the event's `data`.
 */
const dataFilterSchema = z
  .object({
    path: z.string().min(1),
    value: z.union([filterValue, z.array(filterValue).min(1)]).optional(),
    in: z.array(filterValue).min(1).optional(),
    notIn: z.array(filterValue).min(1).optional(),
    exists: z.boolean().optional(),
    regex: z.string().min(1).max(1000).optional(),
    gt: comparable.optional(),
    gte: comparable.optional(),
    lt: comparable.optional(),
    lte: comparable.optional(),
    contains: filterValue.optional(),
    startsWith: z.string().optional(),
    endsWith: z.string().optional(),
  })
  .strict()
  .superRefine((filter, ctx) => {
    const ops = DATA_FILTER_OPERATORS.filter(op => op in filter);
    const range = ops.length > 1 && ops.every(op => COMPARATORS.includes(op));
    if (ops.length === 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `needs an operator: one of ${DATA_FILTER_OPERATORS.join(
          ', ',
        )}`,
      });
    } else if (ops.length > 1 && !range) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `has several operators (${ops.join(
          ', ',
        )}); use one filter per operator (only gt/gte/lt/lte combine, as a range)`,
      });
    }
    if (filter.regex !== undefined) {
      try {
        compileLinearRegex(filter.regex);
      } catch (error) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['regex'],
          message: `invalid regular expression: ${(error as Error).message}`,
        });
      }
    }
  });

const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24 h)');

/** Only events whose `time` falls in the window pass. */
const timeFilterSchema = z
  .object({
    start: clock,
    stop: clock,
    timezone: z
      .string()
      .default('UTC')
      .refine(tz => {
        try {
          // eslint-disable-next-line no-new
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as Europe/Berlin'),
    days: z
      .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
      .min(1)
      .optional(),
  })
  .strict()
  .refine(t => t.start !== t.stop, 'start and stop must differ');

/** Tests CloudEvent attributes; `*` is a wildcard (`github.*`). */
const contextFilterSchema = z
  .object({
    type: z.string().min(1).max(256).optional(),
    source: z.string().min(1).max(256).optional(),
    subject: z.string().min(1).max(256).optional(),
  })
  .strict()
  .refine(
    c => Object.keys(c).length > 0,
    'needs at least one of type, source, subject',
  );

/**
 * A dependency's event type: an exact type, `prefix.*` (every type under
 * `prefix.`, e.g. `alertmanager.*`) or `*` (every type). No other wildcard:
 * routing keeps exact types in a map and tests only these two forms.
 */
const dependencyEventTypeSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(
    /^(\*|[a-z0-9]+(\.[a-z0-9_-]+)*\.\*|[^*]+)$/,
    "a wildcard is '*' alone or 'prefix.*' (a dotted lower-case prefix, e.g. alertmanager.*); '*' may appear nowhere else",
  );

const dependencySchema = z
  .object({
    name: identifier,
    eventType: dependencyEventTypeSchema,
    filters: z
      .object({
        // Bounded so that checking one definition (a dry-run draft) is bounded too.
        data: z.array(dataFilterSchema).max(100).default([]),
        /** A CEL expression over `event` that must be true. */
        expr: z.string().min(1).max(4000).optional(),
        context: contextFilterSchema.optional(),
        time: timeFilterSchema.optional(),
      })
      .strict()
      .default({ data: [] }),
    /** How the filters combine: all must pass (and, the default) or any (or). */
    filtersLogicalOperator: z.enum(['and', 'or']).default('and'),
    /**
     * What the event's `data` must look like (a restricted JSON Schema): an
     * event that does not fit is rejected with the reason before any filter,
     * whatever `filtersLogicalOperator` says.
     */
    dataSchema: sensorDataSchemaSchema.optional(),
    /**
     * Where the event may come from: source types (`alertmanager`, `github`,
     * `generic`, `nats`, `schedule`, `kubernetes`, `backstage-events`,
     * `portal`, `orchestrator`) or names of configured sources. Unset: only
     * from the source that owns the event type.
     */
    sources: z
      .array(
        z
          .string()
          .regex(
            /^[a-z0-9][-a-z0-9_]*$/,
            'must be a source type such as alertmanager or portal, or the name of a configured source',
          )
          .max(63),
      )
      .min(1)
      .max(20)
      .optional(),
  })
  .strict();

const duration = z
  .string()
  .refine(
    d => parseDuration(d) !== undefined,
    'must be a duration such as 30s, 5m, 1h or 1h30m',
  );

const stepSchema = z
  .object({
    id: identifier,
    action: z.string().min(1),
    name: z.string().optional(),
    /**
     * Run the step only when this is true: CEL, bare or as a `${{ }}` template,
     * over the same values as inputs (`steps.<id>.output...`, `event`, ...).
     */
    if: z.string().min(1).optional(),
    input: z.record(z.unknown()).default({}),
    /** Attempts in all (default 1), waiting `backoff` × `factor`^n, at most `maxBackoff`. */
    retry: z
      .object({
        attempts: z.number().int().min(1).max(20),
        backoff: duration.default('10s'),
        factor: z.number().min(1).max(10).default(2),
        maxBackoff: duration.optional(),
      })
      .strict()
      .optional(),
    /** Longest time one attempt may take; default 5m. */
    timeout: duration.optional(),
  })
  .strict();

/**
 * A sensor: which events it waits for and which workflow it starts.
 *
 * Unknown keys are errors rather than silently ignored, so a sensor written for a
 * newer version of the suite fails loudly instead of firing without its limits.
 */
export const sensorSpecSchema = z
  .object({
    name: identifier,
    description: z.string().optional(),
    owner: z.string().optional(),
    dependencies: z.array(dependencySchema).min(1).max(50),
    /** Boolean expression over dependency names; default: all of them. */
    conditions: z.string().min(1).optional(),
    /**
     * Forget matched dependencies that have waited longer than `within`, or that
     * arrived before the latest tick of `cron` (e.g. `0 0 * * *`: every midnight).
     */
    conditionsReset: z
      .object({
        within: duration.optional(),
        cron: z
          .string()
          .regex(
            /^\S+(\s+\S+){4,5}$/,
            'must be a cron expression with 5 or 6 fields',
          )
          .optional(),
        timezone: z.string().default('UTC'),
      })
      .strict()
      .refine(
        r => r.within !== undefined || r.cron !== undefined,
        'needs within or cron',
      )
      .optional(),
    /** Fire when `count` matching events arrived within `within` for one `groupBy` value. */
    aggregate: z
      .object({
        count: z.number().int().min(1).max(10_000),
        within: duration,
        groupBy: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** No new run for the same group within this period after one started. */
    cooldown: duration.optional(),
    /**
     * A re-send of an event the sensor already decided (a new delivery of the
     * same alert, marked `origin.resendOf` by its source) is a new occurrence
     * once this long has passed since the sensor's last fire for its group;
     * without it re-sends start nothing. Cooldown and rate limit still apply.
     */
    refireAfter: duration.optional(),
    /**
     * Fire once, this long after matching events for a group stopped arriving
     * (each match pushes the run back and joins its triggers).
     */
    debounce: duration.optional(),
    /** At most `max` runs per `per` (per group when `aggregate.groupBy` is set). */
    rateLimit: z
      .object({ max: z.number().int().min(1), per: duration })
      .strict()
      .optional(),
    /** A dependency whose match clears the pending state of its group. */
    resolvedBy: z.string().optional(),
    /**
     * With resolvedBy: also cancel the group's runs that have not finished (a
     * debounced fire, a run waiting for approval).
     */
    cancelOnResolve: z.boolean().default(false),
    /** Template resolving the entity the run concerns (a ref or a linked name). */
    entity: z.string().min(1).optional(),
    workflow: z
      .object({
        steps: z.array(stepSchema).min(1).max(100),
        /** Steps run after a step failed (escalation); their failure does not hide the first. */
        onFailure: z.array(stepSchema).max(100).default([]),
      })
      .strict(),
  })
  .strict()
  .superRefine((sensor, ctx) => {
    const seen = new Set<string>();
    sensor.dependencies.forEach((dep, i) => {
      if (seen.has(dep.name)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['dependencies', i, 'name'],
          message: `duplicate dependency name '${dep.name}'`,
        });
      }
      seen.add(dep.name);
    });
    if (sensor.cancelOnResolve && sensor.resolvedBy === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['cancelOnResolve'],
        message: 'needs resolvedBy: the dependency whose match cancels',
      });
    }
    if (sensor.resolvedBy !== undefined && !seen.has(sensor.resolvedBy)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['resolvedBy'],
        message: `'${sensor.resolvedBy}' is not one of the dependencies`,
      });
    }
    if (sensor.conditions !== undefined) {
      try {
        for (const name of conditionNames(parseConditions(sensor.conditions))) {
          if (!seen.has(name)) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: ['conditions'],
              message: `'${name}' is not one of the dependencies`,
            });
          }
        }
      } catch (error) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['conditions'],
          message: (error as Error).message,
        });
      }
    }
    const steps = new Set<string>();
    for (const phase of ['steps', 'onFailure'] as const) {
      sensor.workflow[phase].forEach((step, i) => {
        if (steps.has(step.id)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['workflow', phase, i, 'id'],
            message: `duplicate step id '${step.id}'`,
          });
        }
        steps.add(step.id);
      });
    }
  });

/** A validated sensor definition. @public */
export type SensorSpec = z.output<typeof sensorSpecSchema>;
/** One dependency of a sensor. @public */
export type SensorDependency = SensorSpec['dependencies'][number];
/** The filters of a dependency. @public */
export type DependencyFilters = SensorDependency['filters'];
/** One data filter of a dependency. @public */
export type DataFilter = DependencyFilters['data'][number];
/** A time-of-day filter. @public */
export type TimeFilter = NonNullable<DependencyFilters['time']>;
/** A filter on CloudEvent attributes. @public */
export type ContextFilter = NonNullable<DependencyFilters['context']>;
/** One step of a sensor's workflow. @public */
export type WorkflowStep = SensorSpec['workflow']['steps'][number];

/** One problem found in a sensor definition. @public */
export interface SensorSpecIssue {
  /** Location inside the definition, e.g. `dependencies[0].filters.data[1].in`. */
  path: string;
  message: string;
}

/** Formats a zod issue path as `a.b[0].c`. */
export function formatIssuePath(path: ReadonlyArray<string | number>): string {
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      return i === 0 ? part : `.${part}`;
    })
    .join('');
}

/**
 * Validates a sensor definition.
 *
 * @public
 */
export function parseSensorSpec(
  input: unknown,
):
  | { success: true; sensor: SensorSpec }
  | { success: false; issues: SensorSpecIssue[] } {
  const result = sensorSpecSchema.safeParse(input);
  if (result.success) {
    return { success: true, sensor: result.data };
  }
  return {
    success: false,
    issues: result.error.issues.map(issue => ({
      path: formatIssuePath(issue.path) || '(root)',
      message:
        issue.code === 'unrecognized_keys'
          ? `unknown key(s) ${issue.keys.map(k => `'${k}'`).join(', ')}`
          : issue.message,
    })),
  };
}
