import {
  DiscoveryApi,
  FetchApi,
  createApiRef,
} from '@backstage/core-plugin-api';
import {
  ActionsResponse,
  DeadLetterRedrive,
  DeadLettersResponse,
  EventDetails,
  EventOrchestrationApiClient,
  HealthResponse,
  LinkConflictsResponse,
  ListEventsRequest,
  ListResponse,
  ListRunsRequest,
  PublishEventRequest,
  PublishEventResponse,
  Run,
  RunActionRequest,
  SensorTestRequest,
  SensorTestResponse,
  SensorSummary,
  SensorVerdict,
  SensorsResponse,
  StoredEvent,
} from '@edo/plugin-event-orchestration-common';

/** The event-orchestration backend, as the frontend uses it. @public */
export interface EventOrchestrationApi {
  listEvents(request: ListEventsRequest): Promise<ListResponse<StoredEvent>>;
  getEvent(id: string): Promise<EventDetails>;
  listRuns(request: ListRunsRequest): Promise<ListResponse<Run>>;
  getRun(id: string): Promise<Run>;
  getSensors(): Promise<SensorsResponse>;
  /** `GET /sensors/:name`: one loaded sensor. */
  getSensor(name: string): Promise<SensorSummary>;
  /** `GET /sensors/:name/verdicts`: the sensor's newest verdicts with their reasons. */
  listSensorVerdicts(
    name: string,
    request?: { limit?: number },
  ): Promise<ListResponse<SensorVerdict>>;
  getHealth(): Promise<HealthResponse>;
  retryRun(id: string, comment?: string): Promise<Run>;
  cancelRun(id: string, comment?: string): Promise<Run>;
  decideApproval(
    id: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ): Promise<Run>;
  /** `GET /link-conflicts`: subjects several catalog entities claim. */
  listLinkConflicts(request?: {
    limit?: number;
  }): Promise<LinkConflictsResponse>;
  /** `GET /dead-letters`: events subscribers gave up on. */
  listDeadLetters(request?: {
    subscriber?: string;
  }): Promise<DeadLettersResponse>;
  /** `POST /dead-letters/:subscriber/:eventId/redrive` (permission `event-orchestration.deadletter.redrive`). */
  redriveDeadLetter(
    subscriber: string,
    eventId: string,
    comment?: string,
  ): Promise<DeadLetterRedrive>;
  /** `POST /events` as the signed-in user (permission `event-orchestration.event.create`). */
  publishEvent(event: PublishEventRequest): Promise<PublishEventResponse>;
  /** `GET /actions`: the registered actions, each saying whether it may be run by hand. */
  listActions(): Promise<ActionsResponse>;
  /** `POST /actions/:id/runs`: one action as a one-step run, as the signed-in user. */
  runAction(actionId: string, request: RunActionRequest): Promise<Run>;
  /** `POST /sensors/test`: a dry run of a loaded sensor against events or stored event ids. */
  testSensor(request: SensorTestRequest): Promise<SensorTestResponse>;
}

/** @public */
export const eventOrchestrationApiRef = createApiRef<EventOrchestrationApi>({
  id: 'plugin.event-orchestration.service',
});

/**
 * Talks to `/api/event-orchestration` with the signed-in user's credentials:
 * the shared client of `-common`, reached through discovery and the FetchApi.
 *
 * @public
 */
export class EventOrchestrationClient
  extends EventOrchestrationApiClient
  implements EventOrchestrationApi
{
  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    super({
      baseUrl: () => options.discoveryApi.getBaseUrl('event-orchestration'),
      fetch: (input, init) => options.fetchApi.fetch(input, init),
    });
  }
}
