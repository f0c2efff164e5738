import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';

/** What a request to another backend plugin needs: where it is and a token for it. */
export interface PluginRequestServices {
  discovery: Pick<DiscoveryService, 'getBaseUrl'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials' | 'getPluginRequestToken'>;
}

/**
 * A JSON request to another backend plugin's REST API, made as this backend
 * itself and cancelled on the wire by `signal`. Backstage's service clients
 * (CatalogService, NotificationService) take no signal, so a hung plugin would
 * hold their request open after the step timed out.
 */
export async function requestPlugin(
  services: PluginRequestServices,
  pluginId: string,
  path: string,
  signal: AbortSignal,
  init: RequestInit = {},
): Promise<Response> {
  const baseUrl = await services.discovery.getBaseUrl(pluginId);
  const { token } = await services.auth.getPluginRequestToken({
    onBehalfOf: await services.auth.getOwnServiceCredentials(),
    targetPluginId: pluginId,
  });
  signal.throwIfAborted();
  return fetch(`${baseUrl}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${token}`,
    },
    signal,
  });
}
