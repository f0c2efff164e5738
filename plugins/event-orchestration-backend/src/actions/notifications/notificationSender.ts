import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { NotificationSendOptions } from '@backstage/plugin-notifications-node';

/**
 * Sends a notification as Backstage's NotificationService does (a `POST` to
 * the notifications backend, as the backend itself), with the step's abort
 * signal: the service takes none, so a hung notifications backend would hold
 * the request open after the step timed out.
 */
export class NotificationSender {
  constructor(
    private readonly discovery: Pick<DiscoveryService, 'getBaseUrl'>,
    private readonly auth: Pick<
      AuthService,
      'getOwnServiceCredentials' | 'getPluginRequestToken'
    >,
  ) {}

  async send(
    notification: NotificationSendOptions,
    signal: AbortSignal,
  ): Promise<void> {
    const baseUrl = await this.discovery.getBaseUrl('notifications');
    const { token } = await this.auth.getPluginRequestToken({
      onBehalfOf: await this.auth.getOwnServiceCredentials(),
      targetPluginId: 'notifications',
    });
    signal.throwIfAborted();
    const response = await fetch(baseUrl, {
      method: 'POST',
      body: JSON.stringify(notification),
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${token}`,
      },
      signal,
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
  }
}
