import { alertApiRef, identityApiRef } from '@backstage/core-plugin-api';
import {
  AuthorizeResult,
  EvaluatePermissionRequest,
} from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  mockApis,
  MockFetchApi,
  MockPermissionApi,
  TestApiProvider,
} from '@backstage/test-utils';
import { SignalApi, signalApiRef } from '@backstage/plugin-signals-react';
import { EventOrchestrationClient, eventOrchestrationApiRef } from '../api';

/** Where msw answers for the backend in component tests. */
export const TEST_BASE_URL = 'http://backend.test/api/event-orchestration';

/**
 * The APIs the components use: the real client against msw, a permission API
 * answering `permission` (Backstage's MockPermissionApi), and an alert API that records what it was told.
 */
export function withApis(
  children: JSX.Element,
  options: {
    /** One answer for every check, or an answer per request (permission and resourceRef). */
    permission?:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY
      | ((
          request: EvaluatePermissionRequest,
        ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY);
    alertPost?: jest.Mock;
    /** Who is signed in: default user:default/test, owning only themselves. */
    user?: { userEntityRef: string; ownershipEntityRefs: string[] };
    /** Backstage signals as the browser receives them; see TestSignals. */
    signals?: TestSignals;
  } = {},
) {
  const client = new EventOrchestrationClient({
    discoveryApi: { getBaseUrl: async () => TEST_BASE_URL },
    fetchApi: new MockFetchApi(),
  });
  const permission = options.permission ?? AuthorizeResult.ALLOW;
  const answer =
    typeof permission === 'function' ? permission : () => permission;
  return (
    <TestApiProvider
      apis={[
        [eventOrchestrationApiRef, client],
        [permissionApiRef, new MockPermissionApi(answer)],
        [identityApiRef, mockApis.identity(options.user)],
        [
          alertApiRef,
          { post: options.alertPost ?? jest.fn(), alert$: jest.fn() } as any,
        ],
        ...(options.signals ? [[signalApiRef, options.signals] as const] : []),
      ]}
    >
      {children}
    </TestApiProvider>
  );
}

/**
 * The browser side of Backstage signals without the websocket: `publish`
 * delivers a message to the components subscribed to the channel, as the
 * signals backend would.
 */
export class TestSignals implements SignalApi {
  private readonly subscribers = new Map<string, Set<(message: any) => void>>();

  subscribe(channel: string, onMessage: (message: any) => void) {
    const set = this.subscribers.get(channel) ?? new Set();
    set.add(onMessage);
    this.subscribers.set(channel, set);
    return { unsubscribe: () => void set.delete(onMessage) };
  }

  publish(channel: string, message: object) {
    this.subscribers.get(channel)?.forEach(deliver => deliver(message));
  }
}
