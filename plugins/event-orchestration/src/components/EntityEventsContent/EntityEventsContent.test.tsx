import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import {
  recordedEvents,
  recordedRuns,
  recordedWarningDetails,
} from '../../__fixtures__/recorded';
import {
  TEST_BASE_URL as BASE,
  TestSignals,
  withApis,
} from '../../__testUtils__/withApis';
import { act } from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { EntityEventsContent } from './EntityEventsContent';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'my-awesome-app',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'my-awesome-app' },
  },
  spec: {
    type: 'service',
    owner: 'group:default/platform-team',
    lifecycle: 'production',
  },
};

const server = setupServer();
registerMswTestHooks(server);

function renderTab(signals?: TestSignals) {
  return renderInTestApp(
    withApis(
      <EntityProvider entity={entity}>
        <EntityEventsContent />
      </EntityProvider>,
      { signals },
    ),
  );
}

describe('EntityEventsContent', () => {
  it('refetches once per signal about the entity, not in a loop, and ignores other entities', async () => {
    let runQueries = 0;
    server.use(
      rest.get(`${BASE}/events`, (_req, res, ctx) =>
        res(ctx.json(recordedEvents)),
      ),
      rest.get(`${BASE}/runs`, (_req, res, ctx) => {
        runQueries++;
        return res(ctx.json(recordedRuns));
      }),
    );
    const signals = new TestSignals();
    await renderTab(signals);
    expect(
      await screen.findByText('slo-remediation', { selector: 'td' }),
    ).toBeInTheDocument();
    expect(screen.getByText('live')).toBeInTheDocument();
    expect(runQueries).toBe(1);

    act(() =>
      signals.publish('event-orchestration:runs', {
        runId: 'r',
        status: 'running',
        entityRefs: ['component:default/my-awesome-app'],
      }),
    );
    await waitFor(() => expect(runQueries).toBe(2));
    // The last signal stays current in useSignal; it must not keep triggering.
    await new Promise(r => setTimeout(r, 500));
    expect(runQueries).toBe(2);

    act(() =>
      signals.publish('event-orchestration:events', {
        eventId: 'e',
        entityRefs: ['component:default/billing'],
      }),
    );
    await new Promise(r => setTimeout(r, 300));
    expect(runQueries).toBe(2);
  });

  it("lists the entity's runs and events from the API, with steps and verdicts on expansion", async () => {
    const queries: string[] = [];
    server.use(
      rest.get(`${BASE}/events`, (req, res, ctx) => {
        queries.push(req.url.search);
        return res(ctx.json(recordedEvents));
      }),
      rest.get(`${BASE}/runs`, (req, res, ctx) => {
        queries.push(req.url.search);
        return res(ctx.json(recordedRuns));
      }),
      rest.get(`${BASE}/sensors`, (_req, res, ctx) =>
        res(ctx.json({ items: [], errors: [] })),
      ),
      rest.get(`${BASE}/events/:id`, (req, res, ctx) =>
        req.params.id === recordedWarningDetails.event.id
          ? res(ctx.json(recordedWarningDetails))
          : res(
              ctx.status(404),
              ctx.json({ error: { name: 'NotFoundError', message: 'nope' } }),
            ),
      ),
    );
    await renderTab();

    expect(
      await screen.findByText('slo-remediation', { selector: 'td' }),
    ).toBeInTheDocument();
    expect(queries).toEqual([
      '?entityRef=component%3Adefault%2Fmy-awesome-app&limit=50',
      '?entityRef=component%3Adefault%2Fmy-awesome-app&limit=50',
    ]);
    expect(screen.getByText('succeeded')).toBeInTheDocument();
    expect(screen.getByText('2 of 2 succeeded')).toBeInTheDocument();
    expect(
      screen.getByText(
        'ArgoCdAppUnhealthy firing — Argo CD application my-awesome-app is Degraded',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('none')).toBeInTheDocument(); // the warning alert matched no sensor

    // Expand the run: its steps with input, output and log.
    const [runDetailToggle, ...eventToggles] = screen.getAllByRole('button', {
      name: /detail panel/i,
    });
    fireEvent.click(runDetailToggle);
    const steps = await screen.findByRole('list', {
      name: `Steps of run ${recordedRuns.items[0].id}`,
    });
    expect(within(steps).getByText('sync')).toBeInTheDocument();
    expect(within(steps).getByText('http:request')).toBeInTheDocument();
    expect(
      within(steps).getByText(
        /info Requested a sync of my-awesome-app; Argo CD answered 200/,
      ),
    ).toBeInTheDocument();
    expect(within(steps).getByText(/"status": 200/)).toBeInTheDocument();

    // Expand the warning event: why the sensor did not fire.
    fireEvent.click(eventToggles[0]);
    const verdicts = await screen.findByRole('list', {
      name: 'Sensor verdicts',
    });
    expect(verdicts).toHaveTextContent(
      "slo-remediation: not-matched — dependency 'unhealthy': data.labels.severity was `warning`, expected one of `critical`, `page`",
    );
  });

  it('explains how events get here when there are none', async () => {
    server.use(
      rest.get(`${BASE}/events`, (_req, res, ctx) =>
        res(ctx.json({ items: [] })),
      ),
      rest.get(`${BASE}/runs`, (_req, res, ctx) =>
        res(ctx.json({ items: [] })),
      ),
    );
    await renderTab();
    expect(
      await screen.findByText('No events for this entity yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('component:default/my-awesome-app'),
    ).toBeInTheDocument();
  });

  it('shows the error the backend answered', async () => {
    server.use(
      rest.get(`${BASE}/events`, (_req, res, ctx) =>
        res(
          ctx.status(500),
          ctx.json({
            error: { name: 'Error', message: 'database is locked' },
            response: { statusCode: 500 },
          }),
        ),
      ),
      rest.get(`${BASE}/runs`, (_req, res, ctx) =>
        res(ctx.json({ items: [] })),
      ),
    );
    await renderTab();
    await waitFor(() =>
      expect(screen.getAllByText(/database is locked/).length).toBeGreaterThan(
        0,
      ),
    );
  });
});

describe('EntityEventsContent: publishing a manual event', () => {
  const renderWith = (
    permission: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
    alertPost = jest.fn(),
  ) =>
    renderInTestApp(
      withApis(
        <EntityProvider entity={entity}>
          <EntityEventsContent />
        </EntityProvider>,
        { permission, alertPost },
      ),
    );

  it('publishes as the user, with the entity as subject, and explains what the backend refused', async () => {
    const published: any[] = [];
    let answer = 201;
    server.use(
      rest.get(`${BASE}/events`, (_req, res, ctx) =>
        res(ctx.json(recordedEvents)),
      ),
      rest.get(`${BASE}/runs`, (_req, res, ctx) => res(ctx.json(recordedRuns))),
      rest.post(`${BASE}/events`, async (req, res, ctx) => {
        published.push(await req.json());
        return answer === 201
          ? res(ctx.status(201), ctx.json({ id: 'portal-123' }))
          : res(
              ctx.status(403),
              ctx.json({
                error: {
                  name: 'NotAllowedError',
                  message: 'Not allowed to publish events',
                },
              }),
            );
      }),
    );
    const alertPost = jest.fn();
    await renderWith(AuthorizeResult.ALLOW, alertPost);
    fireEvent.click(
      await screen.findByRole('button', { name: 'Publish event' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Type'), {
      target: { value: 'portal.deploy.requested' },
    });
    const data = within(dialog).getByLabelText('Data (JSON)');
    fireEvent.change(data, { target: { value: '{"reason": ' } });
    expect(within(dialog).getByText(/^Not JSON: /)).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Publish' }),
    ).toBeDisabled();
    fireEvent.change(data, { target: { value: '{"reason": "INC-42"}' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Publish' }));
    await waitFor(() =>
      expect(alertPost).toHaveBeenCalledWith(
        expect.objectContaining({
          message: 'Published portal.deploy.requested as portal-123',
        }),
      ),
    );
    expect(published).toEqual([
      {
        type: 'portal.deploy.requested',
        subject: 'my-awesome-app',
        entityRef: 'component:default/my-awesome-app',
        data: { reason: 'INC-42' },
      },
    ]);

    answer = 403;
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Publish event' }));
    const again = await screen.findByRole('dialog');
    fireEvent.click(within(again).getByRole('button', { name: 'Publish' }));
    expect(await within(again).findByRole('alert')).toHaveTextContent(
      'Not allowed to publish events',
    );
  });
});

describe('EntityEventsContent: a run by its shareable URL', () => {
  it('shows the run named by ?run= on top, links every run to its URL, and says when a run does not exist', async () => {
    const run = recordedRuns.items[0];
    server.use(
      rest.get(`${BASE}/events`, (_req, res, ctx) =>
        res(ctx.json(recordedEvents)),
      ),
      rest.get(`${BASE}/runs`, (_req, res, ctx) => res(ctx.json(recordedRuns))),
      rest.get(`${BASE}/runs/:id`, (req, res, ctx) =>
        req.params.id === run.id
          ? res(ctx.json(run))
          : res(
              ctx.status(404),
              ctx.json({
                error: {
                  name: 'NotFoundError',
                  message: `No run ${req.params.id}`,
                },
              }),
            ),
      ),
    );
    const view = (query: string) =>
      renderInTestApp(
        withApis(
          <EntityProvider entity={entity}>
            <EntityEventsContent />
          </EntityProvider>,
        ),
        { routeEntries: [`/events${query}`] },
      );
    const { unmount } = await view(`?run=${run.id}`);
    expect(
      await screen.findByText(`Run of ${run.sensor}`, { exact: false }),
    ).toBeInTheDocument();
    const stepsLists = await screen.findAllByRole('list', {
      name: `Steps of run ${run.id}`,
    });
    expect(stepsLists.length).toBeGreaterThan(0);
    const links = screen.getAllByRole('link', { name: 'Link to this run' });
    expect(links[0].getAttribute('href')).toBe(`/events?run=${run.id}`);
    unmount();

    await view('?run=nope');
    expect((await screen.findAllByText(/No run nope/)).length).toBeGreaterThan(
      0,
    );
  });
});

describe('EntityEventsContent: filters and older pages', () => {
  it('asks the API with the filters, and loads older runs and events by cursor', async () => {
    const runQueries: URLSearchParams[] = [];
    const eventQueries: URLSearchParams[] = [];
    const newest = recordedRuns.items[0];
    // An older run of another sensor, on the second page.
    const olderRuns = [
      {
        ...newest,
        id: 'older-run-1',
        sensor: 'deploy-new-image',
        createdAt: '2026-11-20T08:00:00.000Z',
      },
    ];
    server.use(
      rest.get(`${BASE}/runs`, (req, res, ctx) => {
        runQueries.push(req.url.searchParams);
        if (req.url.searchParams.get('cursor') === 'runs-page-2')
          return res(ctx.json({ items: olderRuns }));
        if (req.url.searchParams.get('status') === 'cancelled')
          return res(ctx.json({ items: [] }));
        return res(ctx.json({ items: [newest], nextCursor: 'runs-page-2' }));
      }),
      rest.get(`${BASE}/events`, (req, res, ctx) => {
        eventQueries.push(req.url.searchParams);
        return res(ctx.json(recordedEvents));
      }),
    );
    await renderInTestApp(
      withApis(
        <EntityProvider entity={entity}>
          <EntityEventsContent />
        </EntityProvider>,
      ),
    );
    expect(
      await screen.findByText(newest.sensor, { selector: 'td' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Load older events' }),
    ).not.toBeInTheDocument(); // no nextCursor

    // Older runs, appended after the first page.
    fireEvent.click(screen.getByRole('button', { name: 'Load older runs' }));
    await waitFor(() =>
      expect(runQueries.some(q => q.get('cursor') === 'runs-page-2')).toBe(
        true,
      ),
    );
    await waitFor(() =>
      expect(
        screen.queryByRole('button', { name: 'Load older runs' }),
      ).not.toBeInTheDocument(),
    );
    expect(
      await screen.findByText('deploy-new-image', { selector: 'td' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(newest.sensor, { selector: 'td' }),
    ).toBeInTheDocument();

    // A status, an event type and a time range go to the API.
    fireEvent.mouseDown(screen.getByLabelText('Run status'));
    fireEvent.click(await screen.findByRole('option', { name: 'cancelled' }));
    expect(
      await screen.findByText('No run matches the filters.'),
    ).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Event type'), {
      target: { value: 'alertmanager.alert' },
    });
    await waitFor(() =>
      expect(
        eventQueries.some(q => q.get('type') === 'alertmanager.alert'),
      ).toBe(true),
    );
    fireEvent.mouseDown(screen.getByLabelText('Time'));
    fireEvent.click(await screen.findByRole('option', { name: 'last hour' }));
    await waitFor(() => {
      const last = runQueries[runQueries.length - 1];
      expect(last.get('status')).toBe('cancelled');
      const since = Date.parse(last.get('since') ?? '');
      expect(Date.now() - since).toBeGreaterThan(3_500_000);
      expect(Date.now() - since).toBeLessThan(3_700_000);
    });
  });
});
