export {
  eventOrchestrationApiRef,
  EventOrchestrationClient,
} from './EventOrchestrationApi';
export type { EventOrchestrationApi } from './EventOrchestrationApi';
// The request types live in -common, shared with the backend's clients.
export type {
  PublishEventRequest,
  ListEventsRequest,
  ListRunsRequest,
} from '@edo/plugin-event-orchestration-common';
