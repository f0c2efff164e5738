export { eventOrchestrationApiRef, EventOrchestrationClient } from './EventOrchestrationApi';
export type {
  EventOrchestrationApi,
  ListEventsRequest,
  ListRunsRequest,
} from './EventOrchestrationApi';
