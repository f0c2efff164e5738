import {
  AuthorizeResult,
  EvaluatePermissionRequest,
} from '@backstage/plugin-permission-common';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { recordedRuns } from '../../__fixtures__/recorded';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { RunActionButton } from './RunActionButton';

const server = setupServer();
registerMswTestHooks(server);

const actions = {
  items: [
    {
      id: 'log',
      description: 'Write a line',
      schema: { input: {} },
      runnableByHand: true,
    },
    { id: 'argocd:get-status', schema: { input: {} }, runnableByHand: true },
    { id: 'kubernetes:apply', schema: { input: {} }, runnableByHand: false },
  ],
};

/**
 * One policy for the whole file (usePermission caches answers per request):
 * the user owns my-awesome-app, not billing, and may run every action by hand
 * but argocd:get-status.
 */
function policy(request: EvaluatePermissionRequest) {
  const resourceRef = (request as { resourceRef?: string }).resourceRef;
  if (request.permission.name === 'event-orchestration.entity.run.manage') {
    return resourceRef === 'component:default/my-awesome-app'
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY;
  }
  if (request.permission.name === 'event-orchestration.action.run') {
    return resourceRef === 'argocd:get-status'
      ? AuthorizeResult.DENY
      : AuthorizeResult.ALLOW;
  }
  return AuthorizeResult.ALLOW;
}

function renderFor(entityRef: string, onStarted = jest.fn()) {
  server.use(
    rest.get(`${BASE}/actions`, (_req, res, ctx) => res(ctx.json(actions))),
  );
  return renderInTestApp(
    withApis(<RunActionButton entityRef={entityRef} onStarted={onStarted} />, {
      permission: policy,
    }),
  );
}

describe('RunActionButton', () => {
  it('is disabled on an entity the user does not own, naming the permission and the entity', async () => {
    await renderFor('component:default/billing');
    const button = screen.getByRole('button', { name: 'Run action' });
    await waitFor(() =>
      expect(
        screen.getByTitle(
          'Needs event-orchestration.entity.run.manage on component:default/billing',
        ),
      ).toContainElement(button),
    );
    expect(button).toBeDisabled();
  });

  it('runs an action the user may run about their entity, and disables one the policy refuses', async () => {
    const bodies: unknown[] = [];
    server.use(
      rest.post(`${BASE}/actions/log/runs`, async (req, res, ctx) => {
        bodies.push(await req.json());
        return res(ctx.status(201), ctx.json(recordedRuns.items[0]));
      }),
    );
    const onStarted = jest.fn();
    await renderFor('component:default/my-awesome-app', onStarted);
    const open = screen.getByRole('button', { name: 'Run action' });
    await waitFor(() => expect(open).toBeEnabled());
    fireEvent.click(open);
    const dialog = await screen.findByRole('dialog');

    // Only what the deployment lets users run by hand is offered.
    fireEvent.mouseDown(
      await within(dialog).findByRole('button', { name: /log/ }),
    );
    const options = await screen.findAllByRole('option');
    expect(options.map(o => o.textContent)).toEqual([
      'log — Write a line',
      'argocd:get-status',
    ]);
    fireEvent.click(screen.getByRole('option', { name: 'argocd:get-status' }));
    await waitFor(() =>
      expect(
        within(dialog).getByTitle(
          'Needs event-orchestration.action.run on argocd:get-status',
        ),
      ).toContainElement(within(dialog).getByRole('button', { name: 'Run' })),
    );
    expect(within(dialog).getByRole('button', { name: 'Run' })).toBeDisabled();

    fireEvent.mouseDown(
      within(dialog).getByRole('button', { name: /argocd:get-status/ }),
    );
    fireEvent.click(
      await screen.findByRole('option', { name: 'log — Write a line' }),
    );
    fireEvent.change(within(dialog).getByLabelText('Input (JSON)'), {
      target: { value: '{"message": "checked by hand"}' },
    });
    const run = within(dialog).getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    fireEvent.click(run);
    await waitFor(() => expect(onStarted).toHaveBeenCalled());
    expect(bodies).toEqual([
      {
        input: { message: 'checked by hand' },
        entityRef: 'component:default/my-awesome-app',
      },
    ]);
  });
});
