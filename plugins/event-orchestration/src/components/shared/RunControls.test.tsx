import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { Run } from '@edo/plugin-event-orchestration-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { recordedRuns } from '../../__fixtures__/recorded';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { RunControls } from './RunControls';

const server = setupServer();
registerMswTestHooks(server);

const failedRun: Run = {
  ...(recordedRuns.items[0] as unknown as Run),
  status: 'failed',
  error: "step 'sync' failed",
};

function renderControls(
  run: Run,
  permission: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
  onChanged = jest.fn(),
) {
  return renderInTestApp(
    withApis(<RunControls run={run} onChanged={onChanged} />, { permission }),
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
    // Enabled once the policy's answers are in.
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Retry' })).toBeEnabled(),
    );
    fireEvent.change(screen.getByLabelText('Comment'), {
      target: { value: 'sink is back' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(bodies).toEqual([{ comment: 'sink is back' }]);
    expect(
      screen.queryByRole('button', { name: 'Cancel' }),
    ).not.toBeInTheDocument();
  });

  it('offers approve and reject for a run waiting for approval', async () => {
    const decided: unknown[] = [];
    server.use(
      rest.post(
        `${BASE}/runs/${failedRun.id}/approve`,
        async (req, res, ctx) => {
          decided.push(await req.json());
          return res(ctx.json({ ...failedRun, status: 'running' }));
        },
      ),
    );
    const waiting: Run = {
      ...failedRun,
      status: 'waiting',
      pendingApproval: {
        stepId: 'approve',
        prompt: 'Restart in production?',
        requestedAt: '2026-11-23T08:00:00Z',
      },
    };
    await renderControls(waiting, AuthorizeResult.ALLOW);
    expect(
      await screen.findByText('Restart in production?'),
    ).toBeInTheDocument();
    // Once the policy's answers are in, Reject waits for a reason.
    await waitFor(() =>
      expect(
        screen.getByTitle('A rejection needs a reason: write it in Comment'),
      ).toContainElement(screen.getByRole('button', { name: 'Reject' })),
    );
    expect(screen.getByRole('button', { name: 'Reject' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Approve' })).toBeEnabled();
    fireEvent.change(screen.getByLabelText('Comment'), {
      target: { value: 'not during the sale' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Reject' }));
    await waitFor(() =>
      expect(decided).toEqual([
        { decision: 'reject', comment: 'not during the sale' },
      ]),
    );
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeInTheDocument();
  });

  it('asks for the entity permission on the run’s entity, and enables Retry for its owner', async () => {
    const asked: Array<{ permission: string; resourceRef?: string }> = [];
    server.use(
      rest.post(`${BASE}/runs/${failedRun.id}/retry`, (_req, res, ctx) =>
        res(ctx.json({ ...failedRun, status: 'pending' })),
      ),
    );
    const onChanged = jest.fn();
    await renderInTestApp(
      withApis(<RunControls run={failedRun} onChanged={onChanged} />, {
        permission: request => {
          asked.push({
            permission: request.permission.name,
            resourceRef: (request as { resourceRef?: string }).resourceRef,
          });
          // The owner: entity permissions only on my-awesome-app.
          return !request.permission.name.startsWith(
            'event-orchestration.entity.',
          ) ||
            (request as { resourceRef?: string }).resourceRef ===
              'component:default/my-awesome-app'
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY;
        },
      }),
    );
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Retry' })).toBeEnabled(),
    );
    expect(asked).toContainEqual({
      permission: 'event-orchestration.entity.run.manage',
      resourceRef: 'component:default/my-awesome-app',
    });
    expect(
      screen.getByRole('button', { name: 'Retry' }).parentElement,
    ).toHaveAttribute('title', '');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
  });

  it('leaves Approve disabled for a user outside the approval’s approvers, naming them', async () => {
    const waiting: Run = {
      ...failedRun,
      status: 'waiting',
      pendingApproval: {
        stepId: 'approve',
        prompt: 'Restart in production?',
        requestedAt: '2026-11-23T08:00:00Z',
        approvers: ['group:default/sre'],
      },
    };
    await renderInTestApp(
      withApis(<RunControls run={waiting} onChanged={jest.fn()} />, {
        user: {
          userEntityRef: 'user:default/alice',
          ownershipEntityRefs: ['user:default/alice', 'group:default/web'],
        },
      }),
    );
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Approve' }).parentElement,
      ).toHaveAttribute(
        'title',
        'Only members of group:default/sre may decide this approval',
      ),
    );
    expect(screen.getByRole('button', { name: 'Approve' })).toBeDisabled();
    // Cancelling is run.manage, not an approver's decision.
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeEnabled();
  });

  it('enables Approve for a member of one of the approvers', async () => {
    const waiting: Run = {
      ...failedRun,
      status: 'waiting',
      pendingApproval: {
        stepId: 'approve',
        prompt: 'Restart in production?',
        requestedAt: '2026-11-23T08:00:00Z',
        approvers: ['group:default/sre'],
      },
    };
    await renderInTestApp(
      withApis(<RunControls run={waiting} onChanged={jest.fn()} />, {
        user: {
          userEntityRef: 'user:default/bob',
          ownershipEntityRefs: ['user:default/bob', 'group:default/sre'],
        },
      }),
    );
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Approve' })).toBeEnabled(),
    );
  });
});
