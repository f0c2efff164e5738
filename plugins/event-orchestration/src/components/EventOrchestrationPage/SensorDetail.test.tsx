import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { recordedRuns } from '../../__fixtures__/recorded';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { globalPageHandlers } from '../../__testUtils__/globalPageServer';
import { EventOrchestrationPage } from './EventOrchestrationPage';

const server = setupServer();
registerMswTestHooks(server);

function serve(runsOfSensor: unknown = recordedRuns) {
  const { handlers, runQueries } = globalPageHandlers({
    deadLetters: [],
    runsOfSensor,
  });
  server.use(...handlers);
  return { runQueries };
}

describe('Sensor detail on the global page', () => {
  it('opens from the sensors table with status, owner, source, counters, definition, recent runs and the dry run', async () => {
    const { runQueries } = serve();
    const tested: unknown[] = [];
    server.use(
      rest.post(`${BASE}/sensors/test`, async (req, res, ctx) => {
        tested.push(await req.json());
        return res(
          ctx.json({
            results: [
              {
                eventId: 'dry-run-1',
                matched: false,
                status: 'not-matched',
                reason: 'status was `resolved`, expected `firing`',
              },
            ],
          }),
        );
      }),
    );
    await renderInTestApp(withApis(<EventOrchestrationPage />));
    fireEvent.click(await screen.findByRole('tab', { name: 'Sensors' }));
    fireEvent.click(
      await screen.findByRole('link', { name: 'slo-remediation' }),
    );

    const drawer = await screen.findByRole('dialog', {
      name: 'Sensor slo-remediation',
    });
    expect(drawer).toHaveTextContent('Status: loaded');
    expect(drawer).toHaveTextContent(
      'Sync an Argo CD application whose health SLO fires',
    );
    const facts = within(drawer).getByLabelText('Sensor facts');
    expect(facts).toHaveTextContent('Ownergroup:default/platform-team');
    expect(facts).toHaveTextContent('Source../../sensors/slo-remediation.yaml');
    expect(facts).toHaveTextContent('Listens toalertmanager.alert');
    expect(facts).toHaveTextContent('Evaluated2');
    expect(facts).toHaveTextContent('Matched1');
    expect(facts).toHaveTextContent('Not matched1');
    expect(facts).toHaveTextContent('Runs started1');

    const verdicts = await within(drawer).findByRole('list', {
      name: 'Recent verdicts of slo-remediation',
    });
    expect(verdicts).toHaveTextContent(
      'not-matched · alertmanager.alert · my-awesome-app',
    );
    expect(verdicts).toHaveTextContent(
      'labels.severity was `warning`, expected one of `critical`, `page`',
    );

    // The definition is collapsed until asked for.
    const toggle = within(drawer).getByRole('button', {
      name: 'Definition (JSON)',
    });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    fireEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(
      within(drawer).getByLabelText('Definition of slo-remediation'),
    ).toHaveTextContent('"eventType": "alertmanager.alert"');

    const runs = await within(drawer).findByRole('list', {
      name: 'Recent runs of slo-remediation',
    });
    expect(within(runs).getAllByRole('listitem')).toHaveLength(
      recordedRuns.items.length,
    );
    expect(runQueries).toContain('?sensor=slo-remediation&limit=10');

    // The dry-run editor is this sensor's.
    fireEvent.change(
      within(drawer).getByLabelText(
        'Events (JSON, a list is evaluated in order)',
      ),
      {
        target: {
          value: JSON.stringify([
            { type: 'alertmanager.alert', data: { status: 'resolved' } },
          ]),
        },
      },
    );
    fireEvent.click(within(drawer).getByRole('button', { name: 'Dry run' }));
    expect(
      await within(drawer).findByRole('list', {
        name: 'Dry run results of slo-remediation',
      }),
    ).toHaveTextContent(
      'not-matched — status was `resolved`, expected `firing`',
    );
    expect(tested).toEqual([
      {
        sensorName: 'slo-remediation',
        events: [{ type: 'alertmanager.alert', data: { status: 'resolved' } }],
      },
    ]);

    fireEvent.click(
      within(drawer).getByRole('button', { name: 'Close sensor details' }),
    );
    await waitFor(() =>
      expect(
        screen.queryByRole('dialog', { name: 'Sensor slo-remediation' }),
      ).not.toBeInTheDocument(),
    );
  });

  it('opens from a shared URL, and shows why a sensor failed to load', async () => {
    serve();
    await renderInTestApp(withApis(<EventOrchestrationPage />), {
      routeEntries: ['/?sensor=broken'],
    });
    const drawer = await screen.findByRole('dialog', { name: 'Sensor broken' });
    expect(drawer).toHaveTextContent('Status: failed to load');
    expect(
      within(drawer).getByRole('alert', { name: 'Load errors' }),
    ).toHaveTextContent(
      'Failed to load from ../../sensors/broken.yaml; the sensor is skipped.dependencies[0].filters.data[0].in: Expected array, received string',
    );
    expect(
      within(drawer).queryByRole('button', { name: 'Dry run' }),
    ).not.toBeInTheDocument();
  });

  it('says so for a URL naming no sensor', async () => {
    serve({ items: [] } as any);
    await renderInTestApp(withApis(<EventOrchestrationPage />), {
      routeEntries: ['/?sensor=gone'],
    });
    expect(
      await screen.findByRole('dialog', { name: 'Sensor gone' }),
    ).toHaveTextContent('No sensor named gone is loaded.');
  });

  it('shows a sensor without runs as such', async () => {
    serve({ items: [] } as any);
    await renderInTestApp(withApis(<EventOrchestrationPage />), {
      routeEntries: ['/?sensor=slo-remediation'],
    });
    const drawer = await screen.findByRole('dialog', {
      name: 'Sensor slo-remediation',
    });
    expect(await within(drawer).findByText('No run yet.')).toBeInTheDocument();
  });

  it('opens with the keyboard: Enter on the focused sensor link, Escape closes', async () => {
    serve();
    const user = userEvent.setup();
    await renderInTestApp(withApis(<EventOrchestrationPage />));
    fireEvent.click(await screen.findByRole('tab', { name: 'Sensors' }));
    const link = await screen.findByRole('link', { name: 'slo-remediation' });
    link.focus();
    expect(link).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(
      await screen.findByRole('dialog', { name: 'Sensor slo-remediation' }),
    ).toBeInTheDocument();
    await user.keyboard('{Escape}');
    await waitFor(() =>
      expect(
        screen.queryByRole('dialog', { name: 'Sensor slo-remediation' }),
      ).not.toBeInTheDocument(),
    );
  });
});
