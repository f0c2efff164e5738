export { WebhookSources, readWebhookSources } from './webhookSources';
export type { WebhookSourceConfig } from './webhookSources';
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
