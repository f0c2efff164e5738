import { parseEntityRef } from '@backstage/catalog-model';
import { Environment } from '@marcbachmann/cel-js';

/** The largest text `parseJson` accepts: templates must not explode memory. */
const MAX_JSON_TEXT = 1_000_000;

/**
 * The one CEL environment of the suite. CEL is not Turing complete and has no
 * access to process globals, the filesystem or the network; the limits cut off
 * expressions that try to explode at parse time.
 */
const environment = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: {
    maxAstNodes: 2000,
    maxDepth: 50,
    maxListElements: 1000,
    maxMapEntries: 1000,
    maxCallArguments: 32,
  },
})
  // parseJson(event.data.body).tag — for senders that wrap JSON in a string
  .registerFunction('parseJson(string): dyn', (text: string) => {
    if (text.length > MAX_JSON_TEXT)
      throw new Error('parseJson: text is too large');
    return JSON.parse(text);
  })
  // default(event.data.labels.team, "platform") — a fallback for null or empty values;
  // for keys that may be missing use event.data.?team.orValue("platform")
  .registerFunction(
    'default(dyn, dyn): dyn',
    (value: unknown, fallback: unknown) =>
      value === null || value === undefined || value === '' ? fallback : value,
  )
  // parseEntityRef("component:default/x").name, as the scaffolder's filter of that name
  .registerFunction('parseEntityRef(string): dyn', (ref: string) => {
    const { kind, namespace, name } = parseEntityRef(ref);
    return { kind, namespace, name };
  });

type Compiled = (context: Record<string, unknown>) => unknown;

const compiledCache = new Map<string, Compiled>();
const CACHE_LIMIT = 5000;

/** Compiles a CEL expression once; throws with the parser's message on syntax errors. */
export function compileCel(expression: string): Compiled {
  let compiled = compiledCache.get(expression);
  if (!compiled) {
    const parsed = environment.parse(expression);
    compiled = (context: Record<string, unknown>) => parsed(context);
    if (compiledCache.size >= CACHE_LIMIT) compiledCache.clear();
    compiledCache.set(expression, compiled);
  }
  return compiled;
}

/** Converts CEL results (bigint ints, Maps) into plain JSON values. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value))
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Map) {
    return Object.fromEntries(
      [...value.entries()].map(([k, v]) => [String(k), toJsonValue(v)]),
    );
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]),
    );
  }
  return value;
}

/** Evaluates a CEL expression over a context of plain JSON values. */
export function evaluateCel(
  expression: string,
  context: Record<string, unknown>,
): unknown {
  return toJsonValue(compileCel(expression)(context));
}
