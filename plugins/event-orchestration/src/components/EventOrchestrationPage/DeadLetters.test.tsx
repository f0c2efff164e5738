import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { deadLetter } from '../../__fixtures__/deadLetters';
import { DeadLetters } from './DeadLetters';

const server = setupServer();
registerMswTestHooks(server);

describe('DeadLetters', () => {
  it('shows a progress bar while loading', async () => {
    server.use(
      rest.get(`${BASE}/dead-letters`, (_req, res, ctx) =>
        res(ctx.delay('infinite')),
      ),
    );
    await renderInTestApp(withApis(<DeadLetters />));
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('says so when there are no dead letters', async () => {
    server.use(
      rest.get(`${BASE}/dead-letters`, (_req, res, ctx) =>
        res(ctx.json({ items: [] })),
      ),
    );
    await renderInTestApp(withApis(<DeadLetters />));
    expect(
      await screen.findByText('No dead-lettered events.'),
    ).toBeInTheDocument();
  });

  it('shows the backend error when the list cannot be loaded', async () => {
    server.use(
      rest.get(`${BASE}/dead-letters`, (_req, res, ctx) =>
        res(
          ctx.status(500),
          ctx.json({
            error: {
              name: 'Error',
              message: 'stream EVENT_ORCHESTRATION not found',
            },
            response: { statusCode: 500 },
          }),
        ),
      ),
    );
    await renderInTestApp(withApis(<DeadLetters />));
    expect(
      await screen.findByText(/Dead letters could not be loaded/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/stream EVENT_ORCHESTRATION not found/).length,
    ).toBeGreaterThan(0);
  });

  it('lists dead letters and re-drives one after confirmation, then refreshes', async () => {
    let listed = [deadLetter];
    const redrives: Array<{ path: string; body: unknown }> = [];
    server.use(
      rest.get(`${BASE}/dead-letters`, (_req, res, ctx) =>
        res(ctx.json({ items: listed })),
      ),
      rest.post(
        `${BASE}/dead-letters/:subscriber/:eventId/redrive`,
        async (req, res, ctx) => {
          redrives.push({ path: req.url.pathname, body: await req.json() });
          listed = [];
          return res(
            ctx.json({
              subscriber: deadLetter.subscriber,
              eventId: deadLetter.eventId,
              eventType: deadLetter.eventType,
              actor: 'user:default/guest',
              at: '2026-11-23T09:00:00.000Z',
              comment: 'database is back',
            }),
          );
        },
      ),
    );
    const alertPost = jest.fn();
    const onChanged = jest.fn();
    await renderInTestApp(
      withApis(<DeadLetters onChanged={onChanged} />, { alertPost }),
    );
    const row = (await screen.findByText(deadLetter.eventId)).closest('tr')!;
    expect(row).toHaveTextContent('sensor-engine');
    expect(row).toHaveTextContent('alertmanager.alert');
    expect(row).toHaveTextContent('my-awesome-app');
    expect(row).toHaveTextContent('Error: connect ECONNREFUSED 10.0.3.7:5432');

    fireEvent.click(
      within(row).getByRole('button', {
        name: `Re-drive event ${deadLetter.eventId} to sensor-engine`,
      }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: `Re-drive event ${deadLetter.eventId}?`,
    });
    // Cancelling re-drives nothing.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(redrives).toEqual([]);

    fireEvent.click(
      screen.getByRole('button', {
        name: `Re-drive event ${deadLetter.eventId} to sensor-engine`,
      }),
    );
    const again = await screen.findByRole('dialog');
    fireEvent.change(
      within(again).getByLabelText('Comment (kept with the re-drive)'),
      {
        target: { value: 'database is back' },
      },
    );
    fireEvent.click(within(again).getByRole('button', { name: 'Re-drive' }));
    expect(
      await screen.findByText('No dead-lettered events.'),
    ).toBeInTheDocument();
    expect(redrives).toEqual([
      {
        path: `/api/event-orchestration/dead-letters/sensor-engine/${encodeURIComponent(
          deadLetter.eventId,
        )}/redrive`,
        body: { comment: 'database is back' },
      },
    ]);
    expect(alertPost).toHaveBeenCalledWith(
      expect.objectContaining({
        severity: 'success',
        message: `Event ${deadLetter.eventId} re-driven to sensor-engine`,
      }),
    );
    expect(onChanged).toHaveBeenCalled();
  });

  it("tells the user the backend's reason when a re-drive is refused", async () => {
    server.use(
      rest.get(`${BASE}/dead-letters`, (_req, res, ctx) =>
        res(ctx.json({ items: [deadLetter] })),
      ),
      rest.post(
        `${BASE}/dead-letters/:subscriber/:eventId/redrive`,
        (_req, res, ctx) =>
          res(
            ctx.status(404),
            ctx.json({
              error: {
                name: 'NotFoundError',
                message: `No dead letter of event '${deadLetter.eventId}' for subscriber 'sensor-engine'`,
              },
              response: { statusCode: 404 },
            }),
          ),
      ),
    );
    const alertPost = jest.fn();
    await renderInTestApp(
      withApis(<DeadLetters />, {
        alertPost,
        permission: AuthorizeResult.ALLOW,
      }),
    );
    fireEvent.click(
      await screen.findByRole('button', {
        name: `Re-drive event ${deadLetter.eventId} to sensor-engine`,
      }),
    );
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Re-drive',
      }),
    );
    await waitFor(() =>
      expect(alertPost).toHaveBeenCalledWith(
        expect.objectContaining({
          severity: 'error',
          message: `Could not re-drive event ${deadLetter.eventId}: No dead letter of event '${deadLetter.eventId}' for subscriber 'sensor-engine'`,
        }),
      ),
    );
  });
});
