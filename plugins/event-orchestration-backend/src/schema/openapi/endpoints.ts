import {
  ActionsResponse,
  ApprovalDecisionRequest,
  CommentRequest,
  DeadLetterRedrive,
  DeadLettersResponse,
  EventDetails,
  HealthResponse,
  LinkConflictsResponse,
  ListDeadLettersRequest,
  ListEventsRequest,
  ListRedrivesRequest,
  ListResponse,
  ListRunsRequest,
  ListSensorVerdictsRequest,
  PublishEventRequest,
  PublishEventResponse,
  RedrivesResponse,
  Run,
  RunActionRequest,
  SensorSummary,
  SensorTestRequest,
  SensorTestResponse,
  SensorVerdict,
  SensorsResponse,
  StoredEvent,
} from '@edo/plugin-event-orchestration-common';

/**
 * The operations of `../openapi.yaml` with the request and response types of
 * `-common`, so a handler gets typed parameters and a route the spec does not
 * have does not compile. `POST /webhooks/{source}` is served before the JSON
 * routes (its body is raw bytes) and is not listed here.
 */
export type EndpointMap = {
  '#get|/events': {
    query: ListEventsRequest;
    response: ListResponse<StoredEvent>;
  };
  '#post|/events': {
    body: PublishEventRequest;
    response: PublishEventResponse;
  };
  '#get|/events/{id}': { path: { id: string }; response: EventDetails };
  '#get|/runs': { query: ListRunsRequest; response: ListResponse<Run> };
  '#get|/runs/{id}': { path: { id: string }; response: Run };
  '#post|/runs/{id}/cancel': {
    path: { id: string };
    body: CommentRequest;
    response: Run;
  };
  '#post|/runs/{id}/retry': {
    path: { id: string };
    body: CommentRequest;
    response: Run;
  };
  '#post|/runs/{id}/approve': {
    path: { id: string };
    body: ApprovalDecisionRequest;
    response: Run;
  };
  '#get|/actions': { response: ActionsResponse };
  '#post|/actions/{id}/runs': {
    path: { id: string };
    body: RunActionRequest;
    response: Run;
  };
  '#get|/sensors': { response: SensorsResponse };
  '#post|/sensors/test': {
    body: SensorTestRequest;
    response: SensorTestResponse;
  };
  '#get|/sensors/{name}': { path: { name: string }; response: SensorSummary };
  '#get|/sensors/{name}/verdicts': {
    path: { name: string };
    query: ListSensorVerdictsRequest;
    response: ListResponse<SensorVerdict>;
  };
  '#get|/dead-letters': {
    query: ListDeadLettersRequest;
    response: DeadLettersResponse;
  };
  '#get|/link-conflicts': {
    query: { limit?: number };
    response: LinkConflictsResponse;
  };
  '#get|/dead-letters/redrives': {
    query: ListRedrivesRequest;
    response: RedrivesResponse;
  };
  '#post|/dead-letters/{subscriber}/{eventId}/redrive': {
    path: { subscriber: string; eventId: string };
    body: CommentRequest;
    response: DeadLetterRedrive;
  };
  '#get|/health': { response: HealthResponse | { status: 'ok' } };
};
