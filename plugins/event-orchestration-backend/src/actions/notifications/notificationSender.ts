import { ResponseError } from '@backstage/errors';
import { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import { PluginRequestServices, requestPlugin } from '../pluginRequest';

/**
 * Sends a notification as Backstage's NotificationService does (a `POST` to
 * the notifications backend, as the backend itself), with the step's abort
 * signal: the service takes none, so a hung notifications backend would hold
 * the request open after the step timed out.
 */
export class NotificationSender {
  constructor(
    private readonly discovery: PluginRequestServices['discovery'],
    private readonly auth: PluginRequestServices['auth'],
  ) {}

  async send(
    notification: NotificationSendOptions,
    signal: AbortSignal,
  ): Promise<void> {
    const response = await requestPlugin(
      { discovery: this.discovery, auth: this.auth },
      'notifications',
      '',
      signal,
      { method: 'POST', body: JSON.stringify(notification) },
    );
    if (!response.ok) throw await ResponseError.fromResponse(response);
  }
}
