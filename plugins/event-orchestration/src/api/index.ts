export {
  eventOrchestrationApiRef,
  EventOrchestrationClient,
} from './EventOrchestrationApi';
export type {
  EventOrchestrationApi,
  PublishEventRequest,
  ListEventsRequest,
  ListRunsRequest,
} from './EventOrchestrationApi';
