import fs from 'node:fs';
import path from 'node:path';
import { Config } from '@backstage/config';
import {
  SensorLoadError,
  SensorSpec,
  SensorSpecIssue,
  parseSensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { globSync } from 'glob';
import { parseAllDocuments } from 'yaml';
import { CronExpressionParser } from 'cron-parser';
import { compileCel } from '../shared/templating/cel';
import { findTemplateExpressions } from '../shared/templating/renderTemplate';
import { parsePath } from '../shared/paths';

/** A sensor that passed validation, with where it was declared. */
export interface LoadedSensor {
  spec: SensorSpec;
  source: string;
}

/** Loaded sensors and the definitions that were reported and skipped. */
export interface SensorLoadResult {
  sensors: LoadedSensor[];
  errors: SensorLoadError[];
}

/** Checks what zod cannot: filter paths parse and templates are valid CEL. */
function checkExpressions(spec: SensorSpec): SensorSpecIssue[] {
  const issues: SensorSpecIssue[] = [];
  spec.dependencies.forEach((dep, d) =>
    dep.filters.data.forEach((filter, f) => {
      try {
        parsePath(filter.path);
      } catch (error) {
        issues.push({
          path: `dependencies[${d}].filters.data[${f}].path`,
          message: (error as Error).message,
        });
      }
    }),
  );
  if (spec.conditionsReset?.cron) {
    try {
      CronExpressionParser.parse(spec.conditionsReset.cron, {
        tz: spec.conditionsReset.timezone,
      });
      // eslint-disable-next-line no-new
      new Intl.DateTimeFormat('en-US', {
        timeZone: spec.conditionsReset.timezone,
      });
    } catch (error) {
      issues.push({
        path: 'conditionsReset',
        message: `invalid cron or timezone: ${(error as Error).message}`,
      });
    }
  }
  spec.dependencies.forEach((dep, d) => {
    if (!dep.filters.expr) return;
    try {
      compileCel(dep.filters.expr);
    } catch (error) {
      issues.push({
        path: `dependencies[${d}].filters.expr`,
        message: `invalid CEL: ${(error as Error).message}`,
      });
    }
  });
  spec.workflow.steps.forEach((step, s) => {
    for (const [key, value] of Object.entries(step.input)) {
      for (const expression of findTemplateExpressions(value)) {
        try {
          compileCel(expression);
        } catch (error) {
          issues.push({
            path: `workflow.steps[${s}].input.${key}`,
            message: `invalid expression \${{ ${expression} }}: ${
              (error as Error).message.split('\n')[0]
            }`,
          });
        }
      }
    }
  });
  return issues;
}

/**
 * The one validation of a sensor definition, for files, inline config, the
 * CLI and dry-run drafts alike: the schema (parseSensorSpec), then what zod
 * cannot check — paths, CEL, cron.
 */
export function validateSensor(
  input: unknown,
):
  | { success: true; sensor: SensorSpec }
  | { success: false; issues: SensorSpecIssue[] } {
  const parsed = parseSensorSpec(input);
  if (!parsed.success) return parsed;
  const issues = checkExpressions(parsed.sensor);
  return issues.length > 0
    ? { success: false, issues }
    : { success: true, sensor: parsed.sensor };
}

function nameOf(input: unknown): string | undefined {
  if (input && typeof input === 'object' && 'name' in input) {
    const name = (input as { name: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

/** The files `eventOrchestration.sensorFiles` matches now, absolute and sorted. */
export function sensorFilePaths(
  config: Config,
  workingDirectory = process.cwd(),
): string[] {
  const patterns =
    config.getOptionalStringArray('eventOrchestration.sensorFiles') ?? [];
  return patterns
    .flatMap(pattern =>
      globSync(pattern, { cwd: workingDirectory, absolute: true, nodir: true }),
    )
    .sort();
}

/**
 * Loads sensors from `eventOrchestration.sensors` (inline) and from the files
 * matched by `eventOrchestration.sensorFiles` (globs, relative to the backend's
 * working directory; multi-document YAML allowed). A broken definition is
 * reported with its source and the path inside it, and skipped; it never stops
 * the others from loading.
 */
export function loadSensors(
  config: Config,
  options: { workingDirectory?: string } = {},
): SensorLoadResult {
  const cwd = options.workingDirectory ?? process.cwd();
  const candidates: Array<{
    source: string;
    input: unknown;
    issues?: SensorSpecIssue[];
  }> = [];

  const inline = config.getOptional<unknown[]>('eventOrchestration.sensors');
  if (inline !== undefined) {
    if (!Array.isArray(inline)) {
      candidates.push({
        source: 'app-config eventOrchestration.sensors',
        input: undefined,
        issues: [{ path: '(root)', message: 'must be a list of sensors' }],
      });
    } else {
      inline.forEach((input, i) =>
        candidates.push({
          source: `app-config eventOrchestration.sensors[${i}]`,
          input,
        }),
      );
    }
  }

  const patterns =
    config.getOptionalStringArray('eventOrchestration.sensorFiles') ?? [];
  for (const pattern of patterns) {
    const files = globSync(pattern, {
      cwd,
      absolute: true,
      nodir: true,
    }).sort();
    for (const file of files) {
      const shown = path.relative(cwd, file) || file;
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (error) {
        candidates.push({
          source: shown,
          input: undefined,
          issues: [{ path: '(file)', message: `cannot read: ${error}` }],
        });
        continue;
      }
      const documents = parseAllDocuments(text);
      const list = Array.isArray(documents) ? documents : [documents];
      list.forEach((doc, i) => {
        const source = list.length > 1 ? `${shown}#${i + 1}` : shown;
        if (doc.errors.length > 0) {
          candidates.push({
            source,
            input: undefined,
            issues: doc.errors.map(e => ({
              path: `(yaml line ${e.linePos?.[0]?.line ?? '?'})`,
              message: e.message.split('\n')[0],
            })),
          });
          return;
        }
        let input: unknown;
        try {
          input = doc.toJS();
        } catch (error) {
          // e.g. an alias to an anchor that does not exist
          candidates.push({
            source,
            input: undefined,
            issues: [
              {
                path: '(yaml)',
                message: String((error as Error).message ?? error).split(
                  '\n',
                )[0],
              },
            ],
          });
          return;
        }
        if (input === null || input === undefined) return; // empty document
        candidates.push({ source, input });
      });
    }
  }

  const result: SensorLoadResult = { sensors: [], errors: [] };
  const bySensorName = new Map<string, string>();
  for (const candidate of candidates) {
    const sensorName = nameOf(candidate.input);
    if (candidate.issues) {
      result.errors.push({
        source: candidate.source,
        sensor: sensorName,
        issues: candidate.issues,
      });
      continue;
    }
    const parsed = validateSensor(candidate.input);
    if (!parsed.success) {
      result.errors.push({
        source: candidate.source,
        sensor: sensorName,
        issues: parsed.issues,
      });
      continue;
    }
    const issues: SensorSpecIssue[] = [];
    const earlier = bySensorName.get(parsed.sensor.name);
    if (earlier) {
      issues.push({
        path: 'name',
        message: `sensor '${parsed.sensor.name}' is already defined in ${earlier}`,
      });
    }
    if (issues.length > 0) {
      result.errors.push({
        source: candidate.source,
        sensor: sensorName,
        issues,
      });
      continue;
    }
    bySensorName.set(parsed.sensor.name, candidate.source);
    result.sensors.push({ spec: parsed.sensor, source: candidate.source });
  }
  return result;
}
