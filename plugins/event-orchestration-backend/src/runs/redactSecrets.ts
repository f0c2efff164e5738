const SECRET_KEY = /authorization|cookie|token|secret|password|api[-_]?key/i;

/**
 * Replaces the values of secret-looking keys (headers such as `Authorization`,
 * fields named `token` or `password`) before a step's input is stored, so that
 * credentials never reach the database, the API or the UI.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number')
          ? '***'
          : redactSecrets(v),
      ]),
    );
  }
  return value;
}
