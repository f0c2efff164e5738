export { WebhookSources, readWebhookSources } from './webhookSources';
export type { WebhookSourceConfig } from './webhookSources';
export { alertmanagerToEvents, alertmanagerPayloadSchema } from './alertmanager';
