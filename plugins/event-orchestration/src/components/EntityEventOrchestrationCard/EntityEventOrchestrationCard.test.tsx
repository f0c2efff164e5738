import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { recordedEvents, recordedRuns } from '../../__fixtures__/recorded';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { EntityEventOrchestrationCard } from './EntityEventOrchestrationCard';

const server = setupServer();
registerMswTestHooks(server);

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'my-awesome-app', namespace: 'default' },
  spec: {},
};

/** A run of the example's scale-up sensor stopped at its approval step. */
const waitingRun = {
  ...recordedRuns.items[0],
  id: '7c0f6a52-2f1b-4c1e-9d55-1d3a4b8f0e21',
  sensor: 'high-cpu-scale-up',
  status: 'running',
  finishedAt: undefined,
  pendingApproval: {
    stepId: 'approve',
    prompt: 'Scale my-awesome-app from 3 to 5 replicas?',
    requestedAt: '2026-11-23T09:12:00.000Z',
  },
};

function renderCard() {
  return renderInTestApp(
    withApis(
      <EntityProvider entity={entity}>
        <EntityEventOrchestrationCard />
      </EntityProvider>,
    ),
  );
}

describe('EntityEventOrchestrationCard', () => {
  it('shows a progress bar while loading', async () => {
    server.use(
      rest.get(`${BASE}/runs`, (_req, res, ctx) => res(ctx.delay('infinite'))),
      rest.get(`${BASE}/events`, (_req, res, ctx) =>
        res(ctx.delay('infinite')),
      ),
    );
    await renderCard();
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('asks the backend about this entity only, and says when nothing happened yet', async () => {
    const queries: string[] = [];
    server.use(
      rest.get(`${BASE}/runs`, (req, res, ctx) => {
        queries.push(`runs${req.url.search}`);
        return res(ctx.json({ items: [] }));
      }),
      rest.get(`${BASE}/events`, (req, res, ctx) => {
        queries.push(`events${req.url.search}`);
        return res(ctx.json({ items: [] }));
      }),
    );
    await renderCard();
    expect(await screen.findByText('No run yet.')).toBeInTheDocument();
    expect(screen.getByText('No event yet.')).toBeInTheDocument();
    expect(
      screen.queryByRole('list', { name: 'Runs awaiting approval' }),
    ).not.toBeInTheDocument();
    expect(queries.sort()).toEqual([
      'events?entityRef=component%3Adefault%2Fmy-awesome-app&limit=3',
      'runs?entityRef=component%3Adefault%2Fmy-awesome-app&limit=20',
    ]);
  });

  it('shows the error when the backend cannot answer', async () => {
    server.use(
      rest.get(`${BASE}/runs`, (_req, res, ctx) =>
        res(
          ctx.status(503),
          ctx.json({
            error: {
              name: 'ServiceUnavailableError',
              message: 'database is starting',
            },
            response: { statusCode: 503 },
          }),
        ),
      ),
      rest.get(`${BASE}/events`, (_req, res, ctx) =>
        res(ctx.json({ items: [] })),
      ),
    );
    await renderCard();
    expect(
      (await screen.findAllByText(/database is starting/)).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByText('No run yet.')).not.toBeInTheDocument();
  });

  it('shows the last run, the last events and the runs awaiting approval', async () => {
    server.use(
      rest.get(`${BASE}/runs`, (_req, res, ctx) =>
        res(ctx.json({ items: [waitingRun, ...recordedRuns.items] })),
      ),
      rest.get(`${BASE}/events`, (_req, res, ctx) =>
        res(ctx.json(recordedEvents)),
      ),
    );
    await renderCard();
    expect(
      await screen.findByText(/Last run: high-cpu-scale-up/),
    ).toHaveTextContent('running');
    const approvals = screen.getByRole('list', {
      name: 'Runs awaiting approval',
    });
    const items = within(approvals).getAllByRole('listitem');
    expect(items).toHaveLength(1);
    expect(items[0]).toHaveTextContent(
      'Awaiting approval: Scale my-awesome-app from 3 to 5 replicas?',
    );
    expect(items[0]).toHaveTextContent('high-cpu-scale-up · since');
    expect(screen.getByRole('list', { name: 'Last events' })).toHaveTextContent(
      'ArgoCdAppUnhealthy firing — Argo CD application my-awesome-app is Progressing for 10m',
    );
  });
});
