import { parseEntityRef } from '@backstage/catalog-model';
import { Environment } from '@marcbachmann/cel-js';
import {
  LinearRegex,
  compileLinearRegex,
} from '@edo/plugin-event-orchestration-common';

/** The name our RE2-backed `matches` is registered under. */
const RE2_MATCHES = 're2Matches';

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
  // The body of CEL's matches(), which the CEL spec defines with RE2 semantics;
  // see routeMatchesToRe2 for why it has another name.
  .registerFunction(
    `string.${RE2_MATCHES}(string): bool`,
    (text: string, pattern: string) => re2(pattern).test(text),
  )
  .registerFunction(
    `${RE2_MATCHES}(string, string): bool`,
    (text: string, pattern: string) => re2(pattern).test(text),
  )
  // parseEntityRef("component:default/x").name, as the scaffolder's filter of that name
  .registerFunction('parseEntityRef(string): dyn', (ref: string) => {
    const { kind, namespace, name } = parseEntityRef(ref);
    return { kind, namespace, name };
  });

type Compiled = (context: Record<string, unknown>) => unknown;

const re2Cache = new Map<string, LinearRegex>();
function re2(pattern: string): LinearRegex {
  let compiled = re2Cache.get(pattern);
  if (!compiled) {
    compiled = compileLinearRegex(pattern);
    if (re2Cache.size >= 1000) re2Cache.clear();
    re2Cache.set(pattern, compiled);
  }
  return compiled;
}

/** A CEL syntax-tree node as cel-js builds it: `{ op, args }`. */
interface CelNode {
  op: string;
  args: unknown;
}
const isNode = (value: unknown): value is CelNode =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as CelNode).op === 'string';

/**
 * cel-js implements `matches` with JavaScript's backtracking RegExp, and one
 * pattern such as `^(a+)+$` in a sensor's expression (or a dry-run draft) could
 * then stall the backend on webhook text. Its built-in cannot be replaced, so
 * every call to `matches` — `s.matches(p)` (op `rcall`) and `matches(s, p)`
 * (op `call`) — is pointed at our RE2 function before the tree is first
 * evaluated. A call left over (a tree shape this does not know) is refused.
 */
function routeMatchesToRe2(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(routeMatchesToRe2);
    return;
  }
  if (!isNode(node)) return;
  const args = node.args as unknown[];
  if ((node.op === 'rcall' || node.op === 'call') && Array.isArray(args)) {
    if (args[0] === 'matches') args[0] = RE2_MATCHES;
  }
  if (Array.isArray(node.args)) node.args.forEach(routeMatchesToRe2);
  else routeMatchesToRe2(node.args);
}

/** CEL's comprehension macros: each iterates a list (or a map's keys). */
const COMPREHENSIONS = new Set([
  'all',
  'exists',
  'exists_one',
  'existsOne',
  'map',
  'filter',
  'transformList',
  'transformMap',
  'sortBy',
]);
const MAX_COMPREHENSION_DEPTH = 3;

/** Whether `node` is a field or index path into one of `names` (`c.files`, `c["files"][0]`). */
function isPathFrom(node: unknown, names: ReadonlySet<string>): boolean {
  if (!isNode(node)) return false;
  if (node.op === 'id') return names.has(node.args as string);
  if (['.', '.?', '[]', '[?]'].includes(node.op) && Array.isArray(node.args))
    return isPathFrom(node.args[0], names);
  return false;
}

/**
 * Comprehensions have no loops of their own, but their cost is the product
 * of the lists they nest over: two nested over the same 250,000-element
 * webhook list would take hours. A comprehension inside another must iterate
 * a part of the outer element (`commits.exists(c, c.modified.exists(f, …))`,
 * whose total cost is the size of the data), and they nest at most three deep.
 */
function checkComprehensions(
  node: unknown,
  scope: ReadonlySet<string> = new Set(),
  depth = 0,
): void {
  if (Array.isArray(node)) {
    node.forEach(n => checkComprehensions(n, scope, depth));
    return;
  }
  if (!isNode(node)) return;
  const args = node.args as unknown[];
  if (
    node.op === 'rcall' &&
    Array.isArray(args) &&
    COMPREHENSIONS.has(args[0] as string) &&
    Array.isArray(args[2])
  ) {
    const [name, range, parts] = args as [string, unknown, unknown[]];
    if (depth >= MAX_COMPREHENSION_DEPTH)
      throw new Error(
        `${name}(): comprehensions nest at most ${MAX_COMPREHENSION_DEPTH} deep`,
      );
    if (depth > 0 && !isPathFrom(range, scope))
      throw new Error(
        `${name}() inside another comprehension must iterate a part of the outer element (such as c.files.exists(f, …) inside commits.exists(c, …)): iterating another list there costs the product of both sizes`,
      );
    checkComprehensions(range, scope, depth);
    const variables = parts
      .slice(0, -1)
      .filter(isNode)
      .filter(p => p.op === 'id')
      .map(p => p.args as string);
    const inner = new Set([...scope, ...variables]);
    checkComprehensions(parts, inner, depth + 1);
    return;
  }
  checkComprehensions(node.args, scope, depth);
}

function callsMatches(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(callsMatches);
  if (!isNode(node)) return false;
  if (
    (node.op === 'rcall' || node.op === 'call') &&
    Array.isArray(node.args) &&
    node.args[0] === 'matches'
  )
    return true;
  return callsMatches(node.args);
}

const compiledCache = new Map<string, Compiled>();
const CACHE_LIMIT = 5000;

/** Compiles a CEL expression once; throws with the parser's message on syntax errors. */
export function compileCel(expression: string): Compiled {
  let compiled = compiledCache.get(expression);
  if (!compiled) {
    const parsed = environment.parse(expression) as ReturnType<
      typeof environment.parse
    > & { ast?: unknown };
    checkComprehensions(parsed.ast);
    routeMatchesToRe2(parsed.ast);
    if (callsMatches(parsed.ast))
      throw new Error('matches() could not be routed to RE2');
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
