import { evaluateCel } from './cel';

/** Values templates can refer to: `event`, `entity`, `steps.<id>.output`, ... */
export type TemplateContext = Record<string, unknown>;

/** One `${{ expression }}` in a text, with where it starts and ends. */
export interface TemplateSpan {
  start: number;
  end: number;
  expression: string;
  /** `$${{ … }}` is an escape: it renders as the literal text `${{ … }}` (for
   * GitHub Actions workflows or scaffolder templates written by a step). */
  escaped: boolean;
}

/**
 * The templates in a text, found with `indexOf` rather than a lazy regular
 * expression, which costs quadratic time on a long text full of `${{`.
 */
export function templateSpans(text: string): TemplateSpan[] {
  const spans: TemplateSpan[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf('${{', from);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 3);
    if (close < 0) break;
    const escaped = open > from && text[open - 1] === '$';
    spans.push({
      start: escaped ? open - 1 : open,
      end: close + 2,
      expression: text.slice(open + 3, close),
      escaped,
    });
    from = close + 2;
  }
  return spans;
}

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
    const spans = templateSpans(value);
    if (spans.length === 0) return value;
    const [first] = spans;
    if (
      spans.length === 1 &&
      !first.escaped &&
      value.slice(0, first.start).trim() === '' &&
      value.slice(first.end).trim() === ''
    ) {
      return evaluate(first.expression, context);
    }
    let rendered = '';
    let copied = 0;
    for (const span of spans) {
      rendered += value.slice(copied, span.start);
      rendered += span.escaped
        ? value.slice(span.start + 1, span.end)
        : stringify(evaluate(span.expression, context));
      copied = span.end;
      if (rendered.length > MAX_RENDERED_LENGTH) break;
    }
    rendered += value.slice(copied);
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
    return templateSpans(value)
      .filter(span => !span.escaped)
      .map(span => span.expression.trim());
  }
  if (Array.isArray(value)) return value.flatMap(findTemplateExpressions);
  if (value && typeof value === 'object') {
    return Object.values(value).flatMap(findTemplateExpressions);
  }
  return [];
}
