import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { useDryRunStates } from '../../hooks';
import { SensorDryRun } from './SensorDryRun';

const server = setupServer();
registerMswTestHooks(server);

const sensor = {
  name: 'slo-remediation',
  source: 'app-config',
  spec: {
    dependencies: [{ name: 'unhealthy', eventType: 'alertmanager.alert' }],
  },
  counters: { evaluated: 0, matched: 0, runsStarted: 0 },
} as any;

describe('SensorDryRun', () => {
  it('sends the pasted events or a stored id, shows verdicts, rendered steps and the backend’s reason', async () => {
    const bodies: any[] = [];
    server.use(
      rest.post(`${BASE}/sensors/test`, async (req, res, ctx) => {
        const body = await req.json();
        bodies.push(body);
        if (body.eventId === 'missing') {
          return res(
            ctx.status(404),
            ctx.json({
              error: {
                name: 'NotFoundError',
                message: "No stored event 'missing'",
              },
            }),
          );
        }
        return res(
          ctx.json({
            results: [
              {
                eventId: 'dry-run-0',
                matched: false,
                status: 'not-matched',
                reason:
                  'labels.severity was `warning`, expected one of `critical`, `page`',
              },
              {
                eventId: 'dry-run-1',
                matched: true,
                status: 'matched',
                reason: "dependency 'unhealthy' matched",
                steps: [
                  {
                    id: 'sync',
                    action: 'argocd:sync',
                    input: { application: 'my-awesome-app' },
                  },
                ],
              },
            ],
          }),
        );
      }),
    );
    // The page holds the state, as EventOrchestrationPage does.
    const Page = () => {
      const { states, update } = useDryRunStates();
      return (
        <SensorDryRun
          sensor={sensor}
          state={states[sensor.name]}
          update={update}
        />
      );
    };
    await renderInTestApp(withApis(<Page />));
    const editor = screen.getByLabelText(
      'Events (JSON, a list is evaluated in order)',
    );
    expect((editor as HTMLTextAreaElement).value).toContain(
      '"type": "alertmanager.alert"',
    );

    fireEvent.change(editor, {
      target: { value: '[{"type": "alertmanager.alert", ' },
    });
    expect(screen.getByText(/^Not JSON: /)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Dry run' })).toBeDisabled();

    const events = [
      { type: 'alertmanager.alert', data: { labels: { severity: 'warning' } } },
      {
        type: 'alertmanager.alert',
        data: { labels: { severity: 'critical' } },
      },
    ];
    fireEvent.change(editor, { target: { value: JSON.stringify(events) } });
    fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    const results = await screen.findByRole('list', {
      name: 'Dry run results of slo-remediation',
    });
    expect(results).toHaveTextContent(
      'not-matched — labels.severity was `warning`, expected one of `critical`, `page`',
    );
    expect(results).toHaveTextContent(
      "matched — dependency 'unhealthy' matched",
    );
    expect(results).toHaveTextContent('step sync (argocd:sync)');
    expect(results).toHaveTextContent('"application": "my-awesome-app"');
    expect(bodies[0]).toEqual({ sensorName: 'slo-remediation', events });

    fireEvent.change(screen.getByLabelText("…or a stored event's id"), {
      target: { value: 'missing' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      "No stored event 'missing'",
    );
    await waitFor(() =>
      expect(bodies[1]).toEqual({
        sensorName: 'slo-remediation',
        eventId: 'missing',
      }),
    );
  });
});
