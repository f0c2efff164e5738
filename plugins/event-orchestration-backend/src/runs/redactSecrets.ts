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

/**
 * The secret values of the configuration this plugin uses — webhook tokens and
 * HMAC secrets, Argo CD and cluster tokens, NATS credentials, GitHub integration
 * tokens — so they can be scrubbed from whatever a step stores, even when a
 * remote server echoes one back in an error.
 */
export function knownSecretValues(config: {
  getOptionalConfigArray(
    key: string,
  ): Array<{ getOptionalString(key: string): string | undefined }> | undefined;
  getOptionalString(key: string): string | undefined;
}): string[] {
  const fromArray = (key: string, ...fields: string[]) =>
    (config.getOptionalConfigArray(key) ?? []).flatMap(entry =>
      fields.map(f => entry.getOptionalString(f)),
    );
  const values = [
    ...fromArray(
      'eventOrchestration.sources.webhooks',
      'auth.bearerToken',
      'auth.hmac.secret',
    ),
    ...fromArray('eventOrchestration.argocd.instances', 'token'),
    ...fromArray(
      'eventOrchestration.kubernetes.clusters',
      'serviceAccountToken',
    ),
    ...fromArray(
      'eventOrchestration.sources.kubernetes',
      'serviceAccountToken',
    ),
    ...fromArray('integrations.github', 'token'),
    config.getOptionalString('eventOrchestration.bus.nats.token'),
    config.getOptionalString('eventOrchestration.bus.nats.pass'),
    config.getOptionalString('eventOrchestration.bus.nats.nkeySeed'),
  ];
  // Very short values would blank out ordinary words.
  return [
    ...new Set(
      values.filter((v): v is string => typeof v === 'string' && v.length >= 6),
    ),
  ];
}

/** Replaces every occurrence of the given secret values in strings, deeply. */
export function scrubKnownSecrets<T>(value: T, secrets: string[]): T {
  if (secrets.length === 0) return value;
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string')
      return secrets.reduce(
        (text, secret) => text.split(secret).join('***'),
        v,
      );
    if (Array.isArray(v)) return v.map(scrub);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, scrub(x)]),
      );
    return v;
  };
  return scrub(value) as T;
}
