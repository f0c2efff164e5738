import { alertApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  MockFetchApi,
  MockPermissionApi,
  TestApiProvider,
  registerMswTestHooks,
  renderInTestApp,
} from '@backstage/test-utils';
import { Run } from '@edo/plugin-event-orchestration-common';
import { screen, waitFor } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { EventOrchestrationClient, eventOrchestrationApiRef } from '../../api';
import { recordedRuns } from '../../__fixtures__/recorded';
import { RunControls } from './RunControls';

const BASE = 'http://backend.test/api/event-orchestration';
const server = setupServer();
registerMswTestHooks(server);

const failedRun: Run = { ...(recordedRuns.items[0] as unknown as Run), status: 'failed', error: "step 'sync' failed" };

function renderControls(run: Run, result: AuthorizeResult.ALLOW | AuthorizeResult.DENY, onChanged = jest.fn()) {
  const client = new EventOrchestrationClient({
    discoveryApi: { getBaseUrl: async () => BASE },
    fetchApi: new MockFetchApi(),
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [eventOrchestrationApiRef, client],
        [permissionApiRef, new MockPermissionApi(() => result)],
        [alertApiRef, { post: jest.fn(), alert$: jest.fn() } as any],
      ]}
    >
      <RunControls run={run} onChanged={onChanged} />
    </TestApiProvider>,
  );
}

// In a file of its own: usePermission caches answers per permission for the
// whole test file, so a DENY test next to ALLOW tests would see ALLOW.
describe('RunControls without permission', () => {
  it('shows no buttons to users without the permission', async () => {
    await renderControls(failedRun, AuthorizeResult.DENY);
    // Let the permission answer arrive before looking.
    await new Promise(r => setTimeout(r, 100));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Retry' })).not.toBeInTheDocument());
    expect(screen.queryByLabelText('Comment')).not.toBeInTheDocument();
  });

});
