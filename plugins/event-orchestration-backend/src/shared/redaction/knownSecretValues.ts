import { Config } from '@backstage/config';

/**
 * The secret values of the configuration this plugin uses — webhook tokens and
 * HMAC secrets, Argo CD and cluster tokens, NATS credentials, GitHub integration
 * tokens, the `secrets` templates may name — so they can be scrubbed from
 * whatever a step stores, even when a remote server echoes one back in an error.
 */
export function knownSecretValues(config: Config): string[] {
  const fromArray = (key: string, ...fields: string[]) =>
    (config.getOptionalConfigArray(key) ?? []).flatMap(entry =>
      fields.map(f => entry.getOptionalString(f)),
    );
  const templateSecrets = config.getOptionalConfig(
    'eventOrchestration.secrets',
  );
  const values = [
    ...fromArray(
      'eventOrchestration.sources.webhooks',
      'auth.bearerToken',
      'auth.hmac.secret',
    ),
    ...fromArray('eventOrchestration.argocd.instances', 'token'),
    ...fromArray('eventOrchestration.prometheus.instances', 'token'),
    config.getOptionalString('eventOrchestration.chat.slack.botToken'),
    ...fromArray(
      'eventOrchestration.kubernetes.clusters',
      'serviceAccountToken',
    ),
    ...fromArray(
      'eventOrchestration.sources.kubernetes',
      'serviceAccountToken',
    ),
    ...fromArray('integrations.github', 'token'),
    ...(templateSecrets?.keys() ?? []).map(name =>
      templateSecrets!.getOptionalString(name),
    ),
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
