import { templateSpans } from '../templating/renderTemplate';
import { REDACTED, isSecretKey, isWholeValueKey } from './secretKeys';
import { scrubText, scrubValues } from './scrubText';

// The module's public face: importers keep one path for every redaction helper.
export { REDACTED, isSecretKey } from './secretKeys';
export { redactUrl, scrubText } from './scrubText';
export { knownSecretValues } from './knownSecretValues';

/** Deeper values are cut off: a hostile payload must not exhaust the stack. */
const MAX_DEPTH = 32;
const TOO_DEEP = '[too deep]';

/**
 * Whether a value under a secret key is only a template naming secrets
 * (`Bearer ${{ secrets.slackToken }}`): showing it reveals nothing.
 */
function onlyNamesSecrets(text: string): boolean {
  const spans = templateSpans(text);
  if (spans.length === 0) return false;
  let rest = '';
  let copied = 0;
  for (const span of spans) {
    if (
      span.escaped ||
      !/^secrets\.[A-Za-z_][A-Za-z0-9_]*$/.test(
        span.expression.trim().slice(0, 200),
      )
    )
      return false;
    rest += text.slice(copied, span.start);
    copied = span.end;
  }
  rest = (rest + text.slice(copied)).trim().toLowerCase();
  return (
    rest === '' || rest === 'bearer' || rest === 'basic' || rest === 'token'
  );
}

/**
 * Redacts a value before it is stored or shown: values of secret-looking keys
 * (headers such as `Authorization`, fields such as `access_token`, a
 * `.dockerconfigjson`), credentials in any string (see {@link scrubText}) and
 * the configured secret values. Deeper than a bound, values are cut off.
 */
export function redactSecrets<T>(
  value: T,
  knownValues: readonly string[] = [],
): T {
  const redact = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scrubText(v, knownValues);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MAX_DEPTH) return TOO_DEEP;
    if (Array.isArray(v)) return v.map(item => redact(item, depth + 1));
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        if (x !== null && x !== undefined && x !== '') {
          if (isWholeValueKey(k)) return [k, REDACTED];
          if (isSecretKey(k)) {
            if (typeof x === 'string' && onlyNamesSecrets(x)) return [k, x];
            if (typeof x === 'string' || typeof x === 'number')
              return [k, REDACTED];
          }
        }
        return [k, redact(x, depth + 1)];
      }),
    );
  };
  return redact(value, 0) as T;
}

/** Replaces every occurrence of the given secret values in strings, deeply. */
export function scrubKnownSecrets<T>(value: T, secrets: string[]): T {
  if (secrets.length === 0) return value;
  const scrub = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scrubValues(v, secrets);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MAX_DEPTH) return TOO_DEEP;
    if (Array.isArray(v)) return v.map(x => scrub(x, depth + 1));
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, scrub(x, depth + 1)]),
    );
  };
  return scrub(value, 0) as T;
}
