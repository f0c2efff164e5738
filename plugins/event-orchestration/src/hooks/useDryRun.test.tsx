import { PropsWithChildren } from 'react';
import { registerMswTestHooks } from '@backstage/test-utils';
import { act, renderHook, waitFor } from '@testing-library/react';
import { SensorSummary } from '@edo/plugin-event-orchestration-common';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { sensors } from '../__fixtures__/globalPage';
import { TEST_BASE_URL as BASE, withApis } from '../__testUtils__/withApis';
import { useDryRun, useDryRunStates } from './useDryRun';

const server = setupServer();
registerMswTestHooks(server);

// The fixture is a recorded response; its spec holds only what the dry run reads.
const sensor = sensors.items[0] as unknown as SensorSummary;

function renderDryRun() {
  const wrapper = ({ children }: PropsWithChildren<{}>) =>
    withApis(<>{children}</>);
  return renderHook(
    () => {
      const { states, update } = useDryRunStates();
      return useDryRun(sensor, states[sensor.name], update);
    },
    { wrapper },
  );
}

describe('useDryRun', () => {
  it("starts from the sensor's first event type, flags text that is not JSON, and sends a single event as a list", async () => {
    const bodies: unknown[] = [];
    server.use(
      rest.post(`${BASE}/sensors/test`, async (req, res, ctx) => {
        bodies.push(await req.json());
        return res(
          ctx.json({
            results: [{ eventId: 'e', status: 'matched', reason: 'ok' }],
          }),
        );
      }),
    );
    const { result } = renderDryRun();
    expect(JSON.parse(result.current.text)).toEqual([
      { type: 'alertmanager.alert', subject: 'my-awesome-app', data: {} },
    ]);
    expect(result.current.parseError).toBeUndefined();

    act(() => result.current.setText('{"type":'));
    expect(result.current.parseError).toMatch(/^Not JSON: /);

    act(() => result.current.setText('{"type":"alertmanager.alert"}'));
    expect(result.current.parseError).toBeUndefined();
    await act(() => result.current.run());
    expect(bodies).toEqual([
      {
        sensorName: 'slo-remediation',
        events: [{ type: 'alertmanager.alert' }],
      },
    ]);
    expect(result.current.results).toEqual([
      { eventId: 'e', status: 'matched', reason: 'ok' },
    ]);
    expect(result.current.busy).toBe(false);
  });

  it("tries a stored event by its trimmed id instead of the text, and keeps the backend's reason when refused", async () => {
    const bodies: unknown[] = [];
    server.use(
      rest.post(`${BASE}/sensors/test`, async (req, res, ctx) => {
        bodies.push(await req.json());
        return res(
          ctx.status(404),
          // Backstage's error body, as the backend's error middleware sends it.
          ctx.json({
            error: { name: 'NotFoundError', message: 'No event e-404' },
            request: { method: 'POST', url: '/sensors/test' },
            response: { statusCode: 404 },
          }),
        );
      }),
    );
    const { result } = renderDryRun();
    act(() => result.current.setText('not json'));
    act(() => result.current.setEventId(' e-404 '));
    expect(result.current.parseError).toBeUndefined();
    await act(() => result.current.run());
    await waitFor(() => expect(result.current.error).toBe('No event e-404'));
    expect(bodies).toEqual([
      { sensorName: 'slo-remediation', eventId: 'e-404' },
    ]);
    expect(result.current.results).toBeUndefined();
  });
});
