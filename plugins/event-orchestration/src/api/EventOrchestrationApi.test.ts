import { MockFetchApi, registerMswTestHooks } from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { EventOrchestrationClient } from './EventOrchestrationApi';

const BASE = 'http://backend.test/api/event-orchestration';
const server = setupServer();
registerMswTestHooks(server);

function client() {
  return new EventOrchestrationClient({
    discoveryApi: {
      getBaseUrl: async pluginId => `http://backend.test/api/${pluginId}`,
    },
    // As the app's FetchApi does: the signed-in user's token on every request.
    fetchApi: new MockFetchApi({ injectIdentityAuth: { token: 'user-token' } }),
  });
}

describe('EventOrchestrationClient (frontend)', () => {
  it("sends the user's token through the FetchApi, the query without empty values and the shared body shapes", async () => {
    const seen: Array<{ url: string; auth: string | null; body?: unknown }> =
      [];
    server.use(
      rest.get(`${BASE}/runs`, (req, res, ctx) => {
        seen.push({
          url: req.url.toString(),
          auth: req.headers.get('authorization'),
        });
        return res(ctx.json({ items: [] }));
      }),
      rest.post(`${BASE}/runs/:id/approve`, async (req, res, ctx) => {
        seen.push({
          url: req.url.toString(),
          auth: req.headers.get('authorization'),
          body: await req.json(),
        });
        return res(ctx.json({ id: 'r/1', status: 'running' }));
      }),
    );
    await expect(
      client().listRuns({ status: 'failed', sensor: '', limit: 20 }),
    ).resolves.toEqual({ items: [] });
    await client().decideApproval('r/1', 'reject', 'not today');
    expect(seen).toEqual([
      {
        url: `${BASE}/runs?status=failed&limit=20`,
        auth: 'Bearer user-token',
      },
      {
        url: `${BASE}/runs/r%2F1/approve`,
        auth: 'Bearer user-token',
        body: { decision: 'reject', comment: 'not today' },
      },
    ]);
  });

  it("rejects with a ResponseError carrying the backend's reason", async () => {
    server.use(
      rest.post(`${BASE}/events`, (_req, res, ctx) =>
        res(
          ctx.status(403),
          ctx.json({
            error: {
              name: 'NotAllowedError',
              message:
                'Not allowed to publish events (permission event-orchestration.event.create)',
            },
            request: { method: 'POST', url: '/events' },
            response: { statusCode: 403 },
          }),
        ),
      ),
    );
    const error = await client()
      .publishEvent({ type: 'portal.deploy.requested', data: {} })
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.body.error.message).toBe(
      'Not allowed to publish events (permission event-orchestration.event.create)',
    );
  });
});
