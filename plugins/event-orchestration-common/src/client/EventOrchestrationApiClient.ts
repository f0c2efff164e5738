import { ResponseError } from '@backstage/errors';
import {
  ActionsResponse,
  DeadLetterRedrive,
  DeadLettersResponse,
  EventDetails,
  HealthResponse,
  ListDeadLettersRequest,
  ListEventsRequest,
  ListRedrivesRequest,
  ListResponse,
  ListRunsRequest,
  ListSensorVerdictsRequest,
  PublishEventRequest,
  PublishEventResponse,
  LinkConflictsResponse,
  RedrivesResponse,
  Run,
  RunActionRequest,
  SensorSummary,
  SensorTestRequest,
  SensorTestResponse,
  SensorVerdict,
  SensorsResponse,
  StoredEvent,
} from '../api';

/** Where and how the client reaches the backend. @public */
export interface EventOrchestrationApiClientOptions {
  /** The plugin's base URL, e.g. `discovery.getBaseUrl('event-orchestration')`. */
  baseUrl(): Promise<string>;
  /** Defaults to the global `fetch`; the frontend passes its FetchApi's, which signs the user in. */
  fetch?: typeof fetch;
}

/** Per call: the Backstage token to send (the frontend's fetch adds its own). @public */
export interface EventOrchestrationRequestOptions {
  token?: string;
}

type Query = Record<string, string | number | undefined>;

/**
 * The one typed client of `/api/event-orchestration` (see the backend's
 * `src/schema/openapi.yaml`), used by the frontend and by backend plugins.
 * Non-2xx answers reject with a `ResponseError` carrying the backend's reason.
 *
 * @public
 */
export class EventOrchestrationApiClient {
  constructor(private readonly options: EventOrchestrationApiClientOptions) {}

  listEvents(
    request: ListEventsRequest = {},
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.get<ListResponse<StoredEvent>>(
      '/events',
      { ...request },
      options,
    );
  }

  /** The event, the sensors' verdicts on it and the runs it started (404 until stored). */
  getEvent(id: string, options?: EventOrchestrationRequestOptions) {
    return this.get<EventDetails>(`/events/${enc(id)}`, {}, options);
  }

  /** Publishes an event as the caller; resolves with its id once durable. */
  publishEvent(
    request: PublishEventRequest,
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.post<PublishEventResponse>('/events', request, options);
  }

  listRuns(
    request: ListRunsRequest = {},
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.get<ListResponse<Run>>('/runs', { ...request }, options);
  }

  getRun(id: string, options?: EventOrchestrationRequestOptions) {
    return this.get<Run>(`/runs/${enc(id)}`, {}, options);
  }

  cancelRun(
    id: string,
    comment?: string,
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.post<Run>(
      `/runs/${enc(id)}/cancel`,
      withComment({}, comment),
      options,
    );
  }

  retryRun(
    id: string,
    comment?: string,
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.post<Run>(
      `/runs/${enc(id)}/retry`,
      withComment({}, comment),
      options,
    );
  }

  decideApproval(
    id: string,
    decision: 'approve' | 'reject',
    comment?: string,
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.post<Run>(
      `/runs/${enc(id)}/approve`,
      withComment({ decision }, comment),
      options,
    );
  }

  listActions(options?: EventOrchestrationRequestOptions) {
    return this.get<ActionsResponse>('/actions', {}, options);
  }

  /** Runs one registered action as a one-step run, as the caller. */
  runAction(
    actionId: string,
    request: RunActionRequest,
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.post<Run>(`/actions/${enc(actionId)}/runs`, request, options);
  }

  getSensors(options?: EventOrchestrationRequestOptions) {
    return this.get<SensorsResponse>('/sensors', {}, options);
  }

  /** One loaded sensor. */
  getSensor(name: string, options?: EventOrchestrationRequestOptions) {
    return this.get<SensorSummary>(`/sensors/${enc(name)}`, {}, options);
  }

  /** The sensor's newest verdicts with their reasons. */
  listSensorVerdicts(
    name: string,
    request: ListSensorVerdictsRequest = {},
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.get<ListResponse<SensorVerdict>>(
      `/sensors/${enc(name)}/verdicts`,
      { ...request },
      options,
    );
  }

  /** A dry run of a sensor against events or stored event ids. */
  testSensor(
    request: SensorTestRequest,
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.post<SensorTestResponse>('/sensors/test', request, options);
  }

  /** Events subscribers gave up on. */
  listDeadLetters(
    request: ListDeadLettersRequest = {},
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.get<DeadLettersResponse>(
      '/dead-letters',
      { ...request },
      options,
    );
  }

  /** Subjects several entities claim (`GET /link-conflicts`). */
  listLinkConflicts(
    request: { limit?: number } = {},
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.get<LinkConflictsResponse>(
      '/link-conflicts',
      { ...request },
      options,
    );
  }

  listRedrives(
    request: ListRedrivesRequest = {},
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.get<RedrivesResponse>(
      '/dead-letters/redrives',
      { ...request },
      options,
    );
  }

  redriveDeadLetter(
    subscriber: string,
    eventId: string,
    comment?: string,
    options?: EventOrchestrationRequestOptions,
  ) {
    return this.post<DeadLetterRedrive>(
      `/dead-letters/${enc(subscriber)}/${enc(eventId)}/redrive`,
      withComment({}, comment),
      options,
    );
  }

  /** Liveness without a token; the details with one. */
  getHealth(options?: EventOrchestrationRequestOptions) {
    return this.get<HealthResponse>('/health', {}, options);
  }

  private async get<T>(
    path: string,
    query: Query,
    options?: EventOrchestrationRequestOptions,
  ): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(key, String(value));
    }
    const search = params.toString();
    return this.send<T>(`${path}${search ? `?${search}` : ''}`, {}, options);
  }

  private post<T>(
    path: string,
    body: object,
    options?: EventOrchestrationRequestOptions,
  ): Promise<T> {
    return this.send<T>(
      path,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
      options,
    );
  }

  private async send<T>(
    pathAndQuery: string,
    init: RequestInit,
    options?: EventOrchestrationRequestOptions,
  ): Promise<T> {
    const base = await this.options.baseUrl();
    const headers = new Headers(init.headers);
    if (options?.token) headers.set('authorization', `Bearer ${options.token}`);
    const fetchFn = this.options.fetch ?? fetch;
    const response = await fetchFn(`${base}${pathAndQuery}`, {
      ...init,
      headers,
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}

function enc(segment: string) {
  return encodeURIComponent(segment);
}

function withComment<T extends object>(body: T, comment?: string) {
  return comment ? { ...body, comment } : body;
}
