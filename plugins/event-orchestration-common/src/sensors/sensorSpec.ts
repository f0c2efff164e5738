import { z } from 'zod';

const identifier = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be lower-case letters, digits and dashes, starting and ending with a letter or digit',
  )
  .max(63);

const filterValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * One data filter: compares the value at `path` inside the event's `data`.
 * `value` is equality (a list means "any of"); `in` is "one of".
 */
const dataFilterSchema = z
  .object({
    path: z.string().min(1),
    value: z.union([filterValue, z.array(filterValue).min(1)]).optional(),
    in: z.array(filterValue).min(1).optional(),
  })
  .strict()
  .superRefine((filter, ctx) => {
    const ops = (['value', 'in'] as const).filter(op => op in filter);
    if (ops.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          ops.length === 0
            ? 'needs exactly one operator: value or in'
            : `has several operators (${ops.join(', ')}); use one filter per operator`,
      });
    }
  });

const dependencySchema = z
  .object({
    name: identifier,
    eventType: z.string().min(1),
    filters: z
      .object({ data: z.array(dataFilterSchema).default([]) })
      .strict()
      .default({ data: [] }),
  })
  .strict();

const stepSchema = z
  .object({
    id: identifier,
    action: z.string().min(1),
    name: z.string().optional(),
    input: z.record(z.unknown()).default({}),
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
    // Correlating several dependencies needs `conditions` and stored state, which
    // the sensor engine does not have yet: refuse rather than fire on half of them.
    dependencies: z
      .array(dependencySchema)
      .min(1)
      .max(1, 'only one dependency per sensor is supported so far'),
    workflow: z
      .object({ steps: z.array(stepSchema).min(1) })
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
    const steps = new Set<string>();
    sensor.workflow.steps.forEach((step, i) => {
      if (steps.has(step.id)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['workflow', 'steps', i, 'id'],
          message: `duplicate step id '${step.id}'`,
        });
      }
      steps.add(step.id);
    });
  });

/** A validated sensor definition. @public */
export type SensorSpec = z.output<typeof sensorSpecSchema>;
/** One dependency of a sensor. @public */
export type SensorDependency = SensorSpec['dependencies'][number];
/** One data filter of a dependency. @public */
export type DataFilter = SensorDependency['filters']['data'][number];
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
