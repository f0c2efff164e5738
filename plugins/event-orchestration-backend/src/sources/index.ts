export { WebhookSources, readWebhookSources } from './webhookSources';
export type {
  WebhookSourceConfig,
  WebhookReceipt,
  WebhookRequest,
} from './webhookSources';
export { CatalogSlackUsers, SLACK_USER_ID_ANNOTATION } from './slackUsers';
export type { SlackUserDirectory, SlackUserMapping } from './slackUsers';
export type { ChatCommandData, ChatInteractionData } from './slack';
export {
  alertmanagerToEvents,
  alertmanagerPayloadSchema,
} from './alertmanager';
export { readSchedules, emitDueTicks } from './schedules';
export type { ScheduleConfig } from './schedules';
export { NatsSubjectSources, readNatsSubjectSources } from './natsSubjects';
export type { NatsSubjectSource } from './natsSubjects';
export {
  backstageEventToEvent,
  readBackstageEventsSources,
} from './backstageEvents';
export { KubernetesSources, readKubernetesSources } from './kubernetes';
export type { KubernetesClusterSource } from './kubernetes';
export { RateLimitedError } from './rateLimiter';
export { startSources } from './startSources';
export {
  EventOwnership,
  readEventOwnership,
  checkPortalPublishableTypes,
} from './provenance';
export type { EventTypeOwner, OwnershipSources } from './provenance';
