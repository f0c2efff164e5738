import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { EventDetailPanel } from './EventDetailPanel';

const server = setupServer();
registerMswTestHooks(server);

function eventLinkedTo(entityRefs: string[]) {
  return {
    event: {
      id: 'evt-1',
      type: 'argocd.app.sync-failed',
      source: 'webhook:argocd',
      subject: 'payments',
      time: '2026-12-02T07:00:00.000Z',
      data: {},
    },
    receivedAt: '2026-12-02T07:00:00.000Z',
    entityRefs,
    matchedSensors: [],
    evaluations: [],
    runs: [],
  };
}

describe('EventDetailPanel', () => {
  beforeEach(() =>
    server.use(
      rest.get(`${BASE}/sensors`, (_req, res, ctx) =>
        res(ctx.json({ items: [], errors: [] })),
      ),
    ),
  );

  it('says when several entities claim the event, and that single-entity steps refuse to pick', async () => {
    server.use(
      rest.get(`${BASE}/events/evt-1`, (_req, res, ctx) =>
        res(
          ctx.json(
            eventLinkedTo([
              'component:default/aaa',
              'component:default/payments',
            ]),
          ),
        ),
      ),
    );
    await renderInTestApp(withApis(<EventDetailPanel eventId="evt-1" />));
    const note = await screen.findByLabelText('Linked entities');
    expect(note).toHaveTextContent(
      'Linked to 2 entities (subject payments): component:default/aaa, component:default/payments.',
    );
    expect(note).toHaveTextContent('refuse to pick one');
  });

  it('says nothing of it for an event one entity concerns', async () => {
    server.use(
      rest.get(`${BASE}/events/evt-1`, (_req, res, ctx) =>
        res(ctx.json(eventLinkedTo(['component:default/payments']))),
      ),
    );
    await renderInTestApp(withApis(<EventDetailPanel eventId="evt-1" />));
    expect(await screen.findByText('Sensor verdicts')).toBeInTheDocument();
    expect(screen.queryByLabelText('Linked entities')).toBeNull();
  });
});
