import { evaluateCel } from './cel';

/** Values templates can refer to: `event`, `entity`, `steps.<id>.output`, ... */
export type TemplateContext = Record<string, unknown>;

// `$${{ … }}` is an escape: it renders as the literal text `${{ … }}` (for
// GitHub Actions workflows or scaffolder templates written by a step).
const TEMPLATE_PATTERN = /(\$?)\$\{\{([\s\S]*?)\}\}/g;
const WHOLE_TEMPLATE = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/;
/** Rendered strings larger than this are refused: a template must not explode. */
const MAX_RENDERED_LENGTH = 1_000_000;

/** A template that could not be rendered, with the expression that failed. */
export class TemplateError extends Error {
  constructor(readonly expression: string, cause: unknown) {
    super(
      `cannot render \${{ ${expression.trim()} }}: ${
        (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]
      }`,
    );
    this.name = 'TemplateError';
  }
}

function evaluate(expression: string, context: TemplateContext): unknown {
  try {
    return evaluateCel(expression.trim(), context);
  } catch (error) {
    throw new TemplateError(expression, error);
  }
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * Renders `${{ expression }}` templates (the scaffolder's syntax) where each
 * expression is CEL. A string that is one whole template keeps the value's type
 * (`replicas: ${{ 3 }}` stays a number); templates inside longer strings are
 * interpolated as text. Objects and arrays are rendered recursively.
 */
export function renderTemplate(
  value: unknown,
  context: TemplateContext,
): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_TEMPLATE.exec(value);
    if (whole && !whole[1].includes('}}')) {
      return evaluate(whole[1], context);
    }
    const rendered = value.replace(
      TEMPLATE_PATTERN,
      (text, escaped: string, expression: string) =>
        escaped ? text.slice(1) : stringify(evaluate(expression, context)),
    );
    if (rendered.length > MAX_RENDERED_LENGTH) {
      throw new TemplateError(value.slice(0, 80), 'rendered text is too large');
    }
    return rendered;
  }
  if (Array.isArray(value)) {
    return value.map(item => renderTemplate(item, context));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, renderTemplate(v, context)]),
    );
  }
  return value;
}

/** Lists the expressions in a value, so they can be checked when a sensor loads. */
export function findTemplateExpressions(value: unknown): string[] {
  if (typeof value === 'string') {
    return [...value.matchAll(TEMPLATE_PATTERN)]
      .filter(m => !m[1])
      .map(m => m[2].trim());
  }
  if (Array.isArray(value)) return value.flatMap(findTemplateExpressions);
  if (value && typeof value === 'object') {
    return Object.values(value).flatMap(findTemplateExpressions);
  }
  return [];
}
