import { z } from 'zod';
import { compileLinearRegex } from './linearRegex';

/**
 * A JSON Schema for an event's `data`, restricted to the keywords a sensor
 * author needs to say what the fields it uses must look like: types, required
 * properties, enums, bounds, lengths and RE2 patterns. No `$ref`, no
 * `format`, no `if`/`then`, bounded in depth and size — a dry-run draft is
 * written by someone else, and checking it must stay cheap. @public
 */
export interface SensorDataSchema {
  type?:
    | 'object'
    | 'array'
    | 'string'
    | 'integer'
    | 'number'
    | 'boolean'
    | 'null';
  description?: string;
  properties?: Record<string, SensorDataSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: SensorDataSchema;
  minItems?: number;
  maxItems?: number;
  enum?: Array<string | number | boolean | null>;
  const?: string | number | boolean | null;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

/** How deep a data schema may nest (properties and items). */
export const MAX_DATA_SCHEMA_DEPTH = 6;
/** How many schemas (the root, each property's, each `items`) one may hold: compiling is linear in it. */
export const MAX_DATA_SCHEMA_NODES = 200;

const scalar = z.union([
  z.string().max(1000),
  z.number(),
  z.boolean(),
  z.null(),
]);
const count = z.number().int().min(0).max(1_000_000);

const node: z.ZodType<SensorDataSchema> = z.lazy(() =>
  z
    .object({
      type: z
        .enum([
          'object',
          'array',
          'string',
          'integer',
          'number',
          'boolean',
          'null',
        ])
        .optional(),
      description: z.string().max(1000).optional(),
      properties: z
        .record(z.string().min(1).max(255), node)
        .refine(p => Object.keys(p).length <= 100, 'at most 100 properties')
        .optional(),
      required: z.array(z.string().min(1).max(255)).max(100).optional(),
      additionalProperties: z.boolean().optional(),
      items: node.optional(),
      minItems: count.optional(),
      maxItems: count.optional(),
      enum: z.array(scalar).min(1).max(100).optional(),
      const: scalar.optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      minLength: count.optional(),
      maxLength: count.optional(),
      pattern: z
        .string()
        .min(1)
        .max(1000)
        .superRefine((pattern, ctx) => {
          try {
            compileLinearRegex(pattern);
          } catch (error) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              message: `is not a pattern RE2 can run: ${
                (error as Error).message
              }`,
            });
          }
        })
        .optional(),
    })
    .strict(),
);

/**
 * Why `value` is too large to check (nests deeper than `maxDepth` through
 * `properties` and `items`, or holds more than `maxNodes` schemas), walked
 * without recursion and stopping at the limit: a draft nested a hundred
 * thousand levels must be refused, not overflow the stack.
 */
function tooLarge(value: unknown): string | undefined {
  let level: unknown[] = [value];
  let nodes = 0;
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > MAX_DATA_SCHEMA_DEPTH) {
      return `nests deeper than ${MAX_DATA_SCHEMA_DEPTH} levels`;
    }
    nodes += level.length;
    if (nodes > MAX_DATA_SCHEMA_NODES) {
      return `holds more than ${MAX_DATA_SCHEMA_NODES} schemas (properties and items)`;
    }
    const next: unknown[] = [];
    for (const item of level) {
      if (!item || typeof item !== 'object') continue;
      const { properties, items } = item as Record<string, unknown>;
      if (properties && typeof properties === 'object') {
        next.push(
          ...Object.values(properties).slice(0, MAX_DATA_SCHEMA_NODES + 1),
        );
      }
      if (items !== undefined) next.push(items);
    }
    level = next;
  }
  return undefined;
}

/** The zod schema of a dependency's `dataSchema`. @public */
export const sensorDataSchemaSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    // Before the structure is parsed: its parser recurses.
    const why = tooLarge(value);
    if (why) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: why, fatal: true });
    }
  })
  .pipe(node);
