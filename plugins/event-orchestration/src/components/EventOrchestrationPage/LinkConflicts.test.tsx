import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { LinkConflicts } from './LinkConflicts';

const server = setupServer();
registerMswTestHooks(server);

const mountedRoutes = {
  mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
};

describe('LinkConflicts (the Bus tab)', () => {
  it('names each subject several entities claim, with links to the claimants', async () => {
    server.use(
      rest.get(`${BASE}/link-conflicts`, (_req, res, ctx) =>
        res(
          ctx.json({
            items: [
              {
                subject: 'payments',
                entityRefs: [
                  'component:default/aaa',
                  'component:default/payments',
                ],
                events: 3,
                lastEventId: 'argocd-1',
                lastSeenAt: '2026-12-02T10:00:00Z',
              },
            ],
          }),
        ),
      ),
    );
    await renderInTestApp(withApis(<LinkConflicts />), mountedRoutes);
    expect(
      await screen.findByText('Subjects claimed by several entities'),
    ).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'payments' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'aaa' })).toHaveAttribute(
      'href',
      '/catalog/default/component/aaa',
    );
    expect(screen.getByRole('link', { name: 'payments' })).toBeInTheDocument();
    expect(screen.getByText('3')).toBeInTheDocument();
  });

  it('says so when no subject is claimed twice', async () => {
    server.use(
      rest.get(`${BASE}/link-conflicts`, (_req, res, ctx) =>
        res(ctx.json({ items: [] })),
      ),
    );
    await renderInTestApp(withApis(<LinkConflicts />), mountedRoutes);
    expect(
      await screen.findByText('No subject is claimed by several entities.'),
    ).toBeInTheDocument();
  });
});
