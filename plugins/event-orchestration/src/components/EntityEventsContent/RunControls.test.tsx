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
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { rest } from 'msw';
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

describe('RunControls', () => {
  it('retries a failed run for a permitted user, with the comment', async () => {
    const bodies: unknown[] = [];
    server.use(
      rest.post(`${BASE}/runs/${failedRun.id}/retry`, async (req, res, ctx) => {
        bodies.push(await req.json());
        return res(ctx.json({ ...failedRun, status: 'pending' }));
      }),
    );
    const onChanged = jest.fn();
    await renderControls(failedRun, AuthorizeResult.ALLOW, onChanged);
    fireEvent.change(await screen.findByLabelText('Comment'), { target: { value: 'sink is back' } });
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(bodies).toEqual([{ comment: 'sink is back' }]);
    expect(screen.queryByRole('button', { name: 'Cancel' })).not.toBeInTheDocument();
  });

  it('offers approve and reject for a run waiting for approval', async () => {
    const decided: unknown[] = [];
    server.use(
      rest.post(`${BASE}/runs/${failedRun.id}/approve`, async (req, res, ctx) => {
        decided.push(await req.json());
        return res(ctx.json({ ...failedRun, status: 'running' }));
      }),
    );
    const waiting: Run = {
      ...failedRun,
      status: 'running',
      pendingApproval: { stepId: 'approve', prompt: 'Restart in production?', requestedAt: '2026-11-23T08:00:00Z' },
    };
    await renderControls(waiting, AuthorizeResult.ALLOW);
    expect(await screen.findByText('Restart in production?')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Reject' }));
    await waitFor(() => expect(decided).toEqual([{ decision: 'reject' }]));
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeInTheDocument();
  });
});
