import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  EventOrchestrationApiClient,
  PublishEventRequest,
  RunActionRequest,
} from '@edo/plugin-event-orchestration-common';

// One set of request types, in -common; kept importable from here.
export type {
  PublishEventRequest,
  RunActionRequest,
} from '@edo/plugin-event-orchestration-common';

/**
 * A typed client of the event-orchestration backend for other backend plugins
 * (the scaffolder module uses it): plugins share no memory, so they talk over
 * HTTP, with a token that acts on behalf of the caller's credentials. The
 * requests are those of the shared client in `-common`.
 *
 * @public
 */
export class EventOrchestrationClient {
  private readonly api: EventOrchestrationApiClient;

  constructor(
    private readonly deps: { discovery: DiscoveryService; auth: AuthService },
  ) {
    this.api = new EventOrchestrationApiClient({
      baseUrl: () => deps.discovery.getBaseUrl('event-orchestration'),
    });
  }

  private async onBehalfOf(credentials: BackstageCredentials) {
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'event-orchestration',
    });
    return { token };
  }

  /** Publishes an event as the caller; resolves with its id once durable. */
  async publishEvent(
    request: PublishEventRequest,
    options: { credentials: BackstageCredentials },
  ) {
    return this.api.publishEvent(
      request,
      await this.onBehalfOf(options.credentials),
    );
  }

  /** The event, the sensors' verdicts on it and the runs it started (404 until stored). */
  async getEvent(id: string, options: { credentials: BackstageCredentials }) {
    return this.api.getEvent(id, await this.onBehalfOf(options.credentials));
  }

  /** The loaded sensors (with their definitions) and those that failed to load. */
  async getSensors(options: { credentials: BackstageCredentials }) {
    return this.api.getSensors(await this.onBehalfOf(options.credentials));
  }

  async getRun(id: string, options: { credentials: BackstageCredentials }) {
    return this.api.getRun(id, await this.onBehalfOf(options.credentials));
  }

  /** Runs one registered action as a one-step run, as the caller. */
  async runAction(
    actionId: string,
    request: RunActionRequest,
    options: { credentials: BackstageCredentials },
  ) {
    return this.api.runAction(
      actionId,
      request,
      await this.onBehalfOf(options.credentials),
    );
  }
}
