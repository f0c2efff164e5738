import { alertApiRef } from '@backstage/core-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { MockFetchApi, MockPermissionApi, TestApiProvider } from '@backstage/test-utils';
import { EventOrchestrationClient, eventOrchestrationApiRef } from '../api';

/** Where msw answers for the backend in component tests. */
export const TEST_BASE_URL = 'http://backend.test/api/event-orchestration';

/**
 * The APIs the components use: the real client against msw, a permission API
 * answering `permission`, and an alert API that records what it was told.
 */
export function withApis(
  children: JSX.Element,
  options: { permission?: AuthorizeResult.ALLOW | AuthorizeResult.DENY; alertPost?: jest.Mock } = {},
) {
  const client = new EventOrchestrationClient({
    discoveryApi: { getBaseUrl: async () => TEST_BASE_URL },
    fetchApi: new MockFetchApi(),
  });
  const permission = options.permission ?? AuthorizeResult.ALLOW;
  return (
    <TestApiProvider
      apis={[
        [eventOrchestrationApiRef, client],
        [permissionApiRef, new MockPermissionApi(() => permission)],
        [alertApiRef, { post: options.alertPost ?? jest.fn(), alert$: jest.fn() } as any],
      ]}
    >
      {children}
    </TestApiProvider>
  );
}
