/**
 * Paths into event data: dotted (`labels.app`), with array indexes
 * (`alerts.0.labels.app` or `alerts[0]`) and bracketed keys for names that contain
 * dots (`labels["app.kubernetes.io/name"]`).
 */
const parsedPaths = new Map<string, string[]>();

/** Parses a path once; sensors evaluate the same few paths for every event. */
export function parsePath(path: string): string[] {
  let parts = parsedPaths.get(path);
  if (!parts) {
    parts = parsePathUncached(path);
    if (parsedPaths.size > 10_000) parsedPaths.clear();
    parsedPaths.set(path, parts);
  }
  return parts;
}

function parsePathUncached(path: string): string[] {
  const parts: string[] = [];
  let i = 0;
  let current = '';
  const flush = () => {
    if (current !== '') parts.push(current);
    current = '';
  };
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      flush();
      i++;
    } else if (ch === '[') {
      flush();
      const close = path.indexOf(']', i);
      if (close < 0) throw new Error(`unclosed '[' in path '${path}'`);
      let key = path.slice(i + 1, close).trim();
      if (
        (key.startsWith('"') && key.endsWith('"')) ||
        (key.startsWith("'") && key.endsWith("'"))
      ) {
        key = key.slice(1, -1);
      }
      if (key === '') throw new Error(`empty '[]' in path '${path}'`);
      parts.push(key);
      i = close + 1;
    } else {
      current += ch;
      i++;
    }
  }
  flush();
  if (parts.length === 0) throw new Error('path is empty');
  return parts;
}

/** Reads the value at a parsed path; `undefined` when any part is missing. */
export function getAtPath(value: unknown, parts: string[]): unknown {
  let current: unknown = value;
  for (const part of parts) {
    if (current === null || current === undefined) return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(part)) return undefined;
      current = current[Number(part)];
    } else if (typeof current === 'object') {
      // Own properties only: a path must never reach Object.prototype.
      if (!Object.prototype.hasOwnProperty.call(current, part))
        return undefined;
      current = (current as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
  }
  return current;
}
