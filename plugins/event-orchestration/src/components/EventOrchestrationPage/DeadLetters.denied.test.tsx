import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { DeadLetters } from './DeadLetters';

const server = setupServer();
registerMswTestHooks(server);

// In a file of its own: usePermission caches answers per permission for the
// whole test file, so a DENY test next to ALLOW tests would see ALLOW.
describe('DeadLetters without the re-drive permission', () => {
  it('lists the dead letters with Re-drive disabled, naming the permission', async () => {
    server.use(
      rest.get(`${BASE}/dead-letters`, (_req, res, ctx) =>
        res(
          ctx.json({
            items: [
              {
                subscriber: 'sensor-engine',
                eventId: 'portal-5b0c7c1e',
                eventType: 'portal.remediation.requested',
                deadLetteredAt: '2026-11-23T08:03:12.000Z',
              },
            ],
          }),
        ),
      ),
    );
    await renderInTestApp(
      withApis(<DeadLetters />, { permission: AuthorizeResult.DENY }),
    );
    expect(await screen.findByText('portal-5b0c7c1e')).toBeInTheDocument();
    const redrive = screen.getByRole('button', {
      name: 'Re-drive event portal-5b0c7c1e to sensor-engine',
    });
    await waitFor(() =>
      expect(
        screen.getByTitle(
          'Needs the permission event-orchestration.deadletter.redrive',
        ),
      ).toContainElement(redrive),
    );
    expect(redrive).toBeDisabled();
  });
});
