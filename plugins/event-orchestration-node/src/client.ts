import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { EventDetails, Run } from '@edo/plugin-event-orchestration-common';

/** `POST /events` body. @public */
export interface PublishEventRequest {
  type: string;
  subject?: string;
  entityRef?: string;
  correlationId?: string;
  data?: Record<string, unknown>;
}

/** `POST /actions/:id/runs` body. @public */
export interface RunActionRequest {
  input: Record<string, unknown>;
  entityRef?: string;
  /** Same key, same run: retrying a request starts nothing new. */
  idempotencyKey?: string;
}

/**
 * A typed client of the event-orchestration backend for other backend plugins
 * (the scaffolder module uses it): plugins share no memory, so they talk over
 * HTTP, with a token that acts on behalf of the caller's credentials.
 *
 * @public
 */
export class EventOrchestrationClient {
  constructor(
    private readonly deps: { discovery: DiscoveryService; auth: AuthService },
  ) {}

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    credentials: BackstageCredentials,
    body?: unknown,
  ): Promise<T> {
    const base = await this.deps.discovery.getBaseUrl('event-orchestration');
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'event-orchestration',
    });
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }

  /** Publishes an event as the caller; resolves with its id once durable. */
  publishEvent(
    request: PublishEventRequest,
    options: { credentials: BackstageCredentials },
  ) {
    return this.request<{ id: string }>(
      'POST',
      '/events',
      options.credentials,
      request,
    );
  }

  /** The event, the sensors' verdicts on it and the runs it started (404 until stored). */
  getEvent(id: string, options: { credentials: BackstageCredentials }) {
    return this.request<EventDetails>(
      'GET',
      `/events/${encodeURIComponent(id)}`,
      options.credentials,
    );
  }

  getRun(id: string, options: { credentials: BackstageCredentials }) {
    return this.request<Run>(
      'GET',
      `/runs/${encodeURIComponent(id)}`,
      options.credentials,
    );
  }

  /** Runs one registered action as a one-step run, as the caller. */
  runAction(
    actionId: string,
    request: RunActionRequest,
    options: { credentials: BackstageCredentials },
  ) {
    return this.request<Run>(
      'POST',
      `/actions/${encodeURIComponent(actionId)}/runs`,
      options.credentials,
      request,
    );
  }
}
