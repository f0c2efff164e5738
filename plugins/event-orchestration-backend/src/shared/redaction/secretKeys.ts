/** What a redacted value is replaced with. */
export const REDACTED = '***';

// Keys are compared lower-cased with everything but letters and digits removed,
// so `access_token`, `Access-Token` and `accessToken` are one key.
const SECRET_KEY_WORDS = [
  'token',
  'secret',
  'password',
  'passwd',
  'apikey',
  'authorization',
  'cookie',
  'privatekey',
  'dockerconfigjson',
  'dockercfg',
  'kubeconfig',
  'credential',
];
// Keys that name, point to or describe a secret rather than hold one.
const DESCRIPTIVE_SUFFIXES = [
  'name',
  'ref',
  'type',
  'url',
  'uri',
  'path',
  'file',
  'expiresin',
  'expiresat',
  'count',
];
/** Whose whole value is a credential even when it is an object (a parsed docker config, a kubeconfig). */
const WHOLE_VALUE_KEYS = [
  'dockerconfigjson',
  'dockercfg',
  'kubeconfig',
  'privatekey',
  'credentials',
];
/** Query parameters that carry credentials without a secret-looking name (signed URLs, API keys). */
const SECRET_QUERY_PARAMETERS = new Set([
  'sig',
  'signature',
  'xamzsignature',
  'xamzcredential',
  'key',
  'code',
]);
/** Longer words are no key names; checking them would only cost time. */
export const MAX_KEY_LENGTH = 64;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Whether a key (a JSON field, a header, a query parameter) holds a credential. */
export function isSecretKey(key: string): boolean {
  if (key.length > MAX_KEY_LENGTH) return false;
  const normalized = normalizeKey(key);
  return (
    SECRET_KEY_WORDS.some(word => normalized.includes(word)) &&
    !DESCRIPTIVE_SUFFIXES.some(suffix => normalized.endsWith(suffix))
  );
}

export function isWholeValueKey(key: string): boolean {
  if (key.length > MAX_KEY_LENGTH) return false;
  const normalized = normalizeKey(key);
  return WHOLE_VALUE_KEYS.some(word => normalized.endsWith(word));
}

/** Whether a query parameter carries a credential although its name does not say so. */
export function isSecretQueryParameter(key: string): boolean {
  return SECRET_QUERY_PARAMETERS.has(normalizeKey(key));
}
