import {
  DiscoveryApi,
  FetchApi,
  createApiRef,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  DeadLetterRedrive,
  DeadLettersResponse,
  EventDetails,
  HealthResponse,
  ListResponse,
  Run,
  RunStatus,
  SensorTestResponse,
  SensorSummary,
  SensorVerdict,
  SensorsResponse,
  StoredEvent,
} from '@edo/plugin-event-orchestration-common';

/** Query of `GET /events`. @public */
export interface ListEventsRequest {
  entityRef?: string;
  type?: string;
  /** ISO time: only events received since then. */
  since?: string;
  limit?: number;
  cursor?: string;
}

/** Query of `GET /runs`. @public */
export interface ListRunsRequest {
  entityRef?: string;
  sensor?: string;
  status?: RunStatus;
  /** ISO time: only runs created since then. */
  since?: string;
  limit?: number;
  cursor?: string;
}

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
  publishEvent(event: PublishEventRequest): Promise<{ id: string }>;
  /** `POST /sensors/test`: a dry run of a loaded sensor against events or stored event ids. */
  testSensor(request: {
    sensorName: string;
    events?: unknown[];
    eventId?: string;
  }): Promise<SensorTestResponse>;
}

/** Body of `POST /events`. @public */
export interface PublishEventRequest {
  type: string;
  subject?: string;
  entityRef?: string;
  data: unknown;
}

/** @public */
export const eventOrchestrationApiRef = createApiRef<EventOrchestrationApi>({
  id: 'plugin.event-orchestration.service',
});

/** Talks to `/api/event-orchestration` with the signed-in user's credentials. @public */
export class EventOrchestrationClient implements EventOrchestrationApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async post<T>(path: string, body: object): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl(
      'event-orchestration',
    );
    const response = await this.options.fetchApi.fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }

  private async get<T>(path: string, query: object = {}): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl(
      'event-orchestration',
    );
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(key, String(value));
    }
    const search = params.toString();
    const response = await this.options.fetchApi.fetch(
      `${base}${path}${search ? `?${search}` : ''}`,
    );
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }

  listEvents(request: ListEventsRequest) {
    return this.get<ListResponse<StoredEvent>>('/events', request);
  }
  getEvent(id: string) {
    return this.get<EventDetails>(`/events/${encodeURIComponent(id)}`);
  }
  listRuns(request: ListRunsRequest) {
    return this.get<ListResponse<Run>>('/runs', request);
  }
  getRun(id: string) {
    return this.get<Run>(`/runs/${encodeURIComponent(id)}`);
  }
  getSensors() {
    return this.get<SensorsResponse>('/sensors');
  }
  getSensor(name: string) {
    return this.get<SensorSummary>(`/sensors/${encodeURIComponent(name)}`);
  }
  listSensorVerdicts(name: string, request: { limit?: number } = {}) {
    return this.get<ListResponse<SensorVerdict>>(
      `/sensors/${encodeURIComponent(name)}/verdicts`,
      request,
    );
  }
  listDeadLetters(request: { subscriber?: string } = {}) {
    return this.get<DeadLettersResponse>('/dead-letters', request);
  }
  redriveDeadLetter(subscriber: string, eventId: string, comment?: string) {
    return this.post<DeadLetterRedrive>(
      `/dead-letters/${encodeURIComponent(subscriber)}/${encodeURIComponent(
        eventId,
      )}/redrive`,
      comment ? { comment } : {},
    );
  }
  getHealth() {
    return this.get<HealthResponse>('/health');
  }
  testSensor(request: {
    sensorName: string;
    events?: unknown[];
    eventId?: string;
  }) {
    return this.post<SensorTestResponse>('/sensors/test', request);
  }
  publishEvent(event: PublishEventRequest) {
    return this.post<{ id: string }>('/events', event);
  }
  retryRun(id: string, comment?: string) {
    return this.post<Run>(
      `/runs/${encodeURIComponent(id)}/retry`,
      comment ? { comment } : {},
    );
  }
  cancelRun(id: string, comment?: string) {
    return this.post<Run>(
      `/runs/${encodeURIComponent(id)}/cancel`,
      comment ? { comment } : {},
    );
  }
  decideApproval(id: string, decision: 'approve' | 'reject', comment?: string) {
    return this.post<Run>(`/runs/${encodeURIComponent(id)}/approve`, {
      decision,
      ...(comment ? { comment } : {}),
    });
  }
}
