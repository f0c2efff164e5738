import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { renderInTestApp } from '@backstage/test-utils';
import { Run } from '@edo/plugin-event-orchestration-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { recordedRuns } from '../../__fixtures__/recorded';
import { withApis } from '../../__testUtils__/withApis';
import { RunControls } from './RunControls';

const failedRun: Run = {
  ...(recordedRuns.items[0] as unknown as Run),
  status: 'failed',
  entityRefs: ['component:default/my-awesome-app'],
};

const waiting: Run = {
  ...failedRun,
  status: 'waiting',
  pendingApproval: {
    stepId: 'approve',
    prompt: 'Restart in production?',
    requestedAt: '2026-11-23T08:00:00Z',
  },
};

/** A user who holds the global permissions but owns nothing: every entity permission is refused. */
const ownsNothing = (request: { permission: { name: string } }) =>
  request.permission.name.startsWith('event-orchestration.entity.')
    ? AuthorizeResult.DENY
    : AuthorizeResult.ALLOW;

describe('RunControls for a user the policy refuses', () => {
  it('shows Retry disabled, naming the entity permission the user lacks on the run’s entity', async () => {
    const onChanged = jest.fn();
    await renderInTestApp(
      withApis(<RunControls run={failedRun} onChanged={onChanged} />, {
        permission: ownsNothing,
      }),
    );
    const retry = await screen.findByRole('button', { name: 'Retry' });
    await waitFor(() =>
      expect(
        screen.getByTitle(
          'Needs event-orchestration.entity.run.manage on component:default/my-awesome-app',
        ),
      ).toContainElement(retry),
    );
    expect(retry).toBeDisabled();
    expect(screen.getByLabelText('Comment')).toBeDisabled();
    fireEvent.click(retry);
    expect(onChanged).not.toHaveBeenCalled();
  });

  it('shows Approve, Reject and Cancel disabled on a waiting run, each naming what is missing', async () => {
    await renderInTestApp(
      withApis(<RunControls run={waiting} onChanged={jest.fn()} />, {
        permission: ownsNothing,
      }),
    );
    expect(
      await screen.findByText('Restart in production?'),
    ).toBeInTheDocument();
    // Disabled while the answers are on their way; then with the reason.
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Approve' }).parentElement,
      ).not.toHaveAttribute('title', ''),
    );
    for (const name of ['Approve', 'Reject']) {
      const button = screen.getByRole('button', { name });
      expect(button).toBeDisabled();
      expect(button.parentElement).toHaveAttribute(
        'title',
        'Needs event-orchestration.entity.run.approve on component:default/my-awesome-app',
      );
    }
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    expect(cancel).toBeDisabled();
    expect(cancel.parentElement).toHaveAttribute(
      'title',
      'Needs event-orchestration.entity.run.manage on component:default/my-awesome-app',
    );
  });

  it('names the global permission first when that is refused too', async () => {
    await renderInTestApp(
      withApis(<RunControls run={failedRun} onChanged={jest.fn()} />, {
        permission: AuthorizeResult.DENY,
      }),
    );
    await waitFor(() =>
      expect(
        screen.getByTitle(
          'Needs the permission event-orchestration.run.manage',
        ),
      ).toContainElement(screen.getByRole('button', { name: 'Retry' })),
    );
    expect(screen.getByRole('button', { name: 'Retry' })).toBeDisabled();
  });

  it('needs event-orchestration.admin for a run that concerns no entity', async () => {
    const asked: string[] = [];
    await renderInTestApp(
      withApis(
        <RunControls
          run={{ ...failedRun, entityRefs: [] }}
          onChanged={jest.fn()}
        />,
        {
          permission: request => {
            asked.push(request.permission.name);
            return request.permission.name === 'event-orchestration.admin'
              ? AuthorizeResult.DENY
              : AuthorizeResult.ALLOW;
          },
        },
      ),
    );
    await waitFor(() =>
      expect(
        screen.getByTitle(
          'Needs the permission event-orchestration.admin (it concerns no catalog entity)',
        ),
      ).toContainElement(screen.getByRole('button', { name: 'Retry' })),
    );
    expect(screen.getByRole('button', { name: 'Retry' })).toBeDisabled();
    expect(asked).not.toContain('event-orchestration.entity.run.manage');
  });
});
