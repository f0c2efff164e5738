export { EventOrchestrationApiClient } from './EventOrchestrationApiClient';
export type {
  EventOrchestrationApiClientOptions,
  EventOrchestrationRequestOptions,
} from './EventOrchestrationApiClient';
