import {
  SensorDataSchema,
  compileLinearRegex,
} from '@edo/plugin-event-orchestration-common';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';

/**
 * Checks an event's `data` against a dependency's `dataSchema` with Ajv (the
 * JSON Schema validator Backstage itself uses). The schema was bounded when
 * the sensor was loaded (-common's `sensorDataSchemaSchema`: no `$ref`, no
 * formats, bounded depth, RE2 patterns); here every `pattern` runs on RE2's
 * linear-time engine, never on the backtracking RegExp, and `allErrors` is off
 * so a failing event costs one error.
 */
function newAjv() {
  return new Ajv({
    allErrors: false,
    // The keywords were restricted when the sensor was loaded; Ajv's strict
    // mode would refuse an untyped `properties`, which JSON Schema allows.
    strict: false,
    // Ajv compiles patterns with this; RE2 refuses what could backtrack.
    code: {
      regExp: Object.assign(
        (pattern: string) => {
          const regex = compileLinearRegex(pattern);
          return { test: (text: string) => regex.test(text) };
        },
        { code: 'compileLinearRegex' },
      ),
    },
  });
}

/** One compiled validator per schema object (sensors are loaded once). */
const compiled = new WeakMap<SensorDataSchema, ValidateFunction>();

function validatorOf(schema: SensorDataSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    // One Ajv per schema: Ajv keeps every schema it compiled, so a shared
    // one would keep each dry-run draft for the life of the process. This
    // way the validator goes when the schema object does.
    validate = newAjv().compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath
    ? `data${error.instancePath.replace(/\//g, '.')}`
    : 'data';
  if (error.keyword === 'required') {
    return `data${error.instancePath.replace(/\//g, '.')}.${
      (error.params as { missingProperty: string }).missingProperty
    } is missing`;
  }
  if (error.keyword === 'enum') {
    return `${where} ${error.message}: ${(
      error.params as { allowedValues: unknown[] }
    ).allowedValues
      .map(v => JSON.stringify(v))
      .join(', ')}`;
  }
  return `${where} ${error.message}`;
}

/**
 * Whether `data` fits `schema`; when it does not, the reason names the first
 * field that does not (`data.replicas must be integer`).
 */
export function checkDataSchema(
  schema: SensorDataSchema,
  data: unknown,
): { fits: true } | { fits: false; reason: string } {
  let validate: ValidateFunction;
  try {
    validate = validatorOf(schema);
  } catch (error) {
    return {
      fits: false,
      reason: `the dependency's dataSchema cannot be used: ${
        (error as Error).message
      }`,
    };
  }
  try {
    if (validate(data)) return { fits: true };
  } catch (error) {
    // RE2 refuses a value too long to match within its budget.
    return {
      fits: false,
      reason: `data does not fit the dependency's dataSchema: ${
        (error as Error).message
      }`,
    };
  }
  const [first] = validate.errors ?? [];
  return {
    fits: false,
    reason: `data does not fit the dependency's dataSchema: ${
      first ? describe(first) : 'invalid'
    }`,
  };
}
