import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { TestAgainstSensor } from './TestAgainstSensor';

const server = setupServer();
registerMswTestHooks(server);

describe('TestAgainstSensor', () => {
  it('dry-runs the stored event against the chosen sensor and shows the verdict', async () => {
    const bodies: any[] = [];
    server.use(
      rest.get(`${BASE}/sensors`, (_req, res, ctx) =>
        res(
          ctx.json({
            items: [{ name: 'slo-remediation' }, { name: 'scale-on-high-cpu' }],
            errors: [],
          }),
        ),
      ),
      rest.post(`${BASE}/sensors/test`, async (req, res, ctx) => {
        bodies.push(await req.json());
        return res(
          ctx.json({
            results: [
              {
                eventId: 'evt-1',
                matched: false,
                status: 'pending',
                reason: '1 of 3 within 5m',
              },
            ],
          }),
        );
      }),
    );
    await renderInTestApp(withApis(<TestAgainstSensor eventId="evt-1" />));
    expect(screen.getByRole('button', { name: 'Test' })).toBeDisabled();
    fireEvent.mouseDown(screen.getByLabelText('Test against sensor…'));
    fireEvent.click(
      await screen.findByRole('option', { name: 'scale-on-high-cpu' }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));
    expect(await screen.findByLabelText('Test result')).toHaveTextContent(
      'pending — 1 of 3 within 5m',
    );
    await waitFor(() =>
      expect(bodies).toEqual([
        { sensorName: 'scale-on-high-cpu', eventId: 'evt-1' },
      ]),
    );
  });
});
