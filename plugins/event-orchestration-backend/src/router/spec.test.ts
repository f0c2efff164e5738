import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { eventOrchestrationPlugin } from '../plugin';
import { spec } from '../schema/openapi';
import { createRouter } from './createRouter';
import { RouterOptions } from './types';

jest.setTimeout(60_000);

/** `METHOD /path/{param}` of every route an express router serves, nested routers included. */
function servedRoutes(router: any): string[] {
  return router.stack.flatMap((layer: any) => {
    if (layer.route) {
      return Object.keys(layer.route.methods).map(
        method =>
          `${method.toUpperCase()} ${layer.route.path.replace(
            /:(\w+)/g,
            '{$1}',
          )}`,
      );
    }
    return layer.handle?.stack ? servedRoutes(layer.handle) : [];
  });
}

const documented = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.keys(item).map(method => `${method.toUpperCase()} ${path}`),
);

describe('the router and its OpenAPI document', () => {
  it('serve the same routes: none outside the document, none documented and missing', async () => {
    const router = await createRouter({
      sources: { maxBodyBytes: () => 1024 },
    } as unknown as RouterOptions);
    const served = servedRoutes(router).filter(
      // The spec itself, served by createOpenApiRouter.
      route => route !== 'GET /openapi.json',
    );
    expect(new Set(served).size).toBe(served.length);
    expect([...served].sort()).toEqual([...documented].sort());
  });
});

describe('a request the document refuses', () => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  const api = () => request(backend.server);
  const base = '/api/event-orchestration';

  beforeAll(async () => {
    backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
      ],
    });
  });
  afterAll(() => backend.stop());

  it.each([
    ['/runs?limit=many', 'Invalid query: limit: must be integer'],
    ['/runs?limit=201', 'Invalid query: limit: must be <= 200'],
    [
      '/runs?status=done',
      'Invalid query: status: must be equal to one of the allowed values: pending, running, waiting, succeeded, failed, cancelled',
    ],
    [
      '/events?since=yesterday',
      'Invalid query: since: must match format "date-time"',
    ],
    ['/events?sort=asc', 'Invalid query: unknown parameter(s) sort'],
    ['/dead-letters?limit=501', 'Invalid query: limit: must be <= 500'],
    [
      '/dead-letters/redrives?eventId=',
      'Invalid query: eventId: must not be empty',
    ],
    ['/sensors/any/verdicts?limit=0', 'Invalid query: limit: must be >= 1'],
  ])('GET %s answers 400: %s', async (path, reason) => {
    const answer = await api().get(`${base}${path}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({ name: 'InputError', message: reason });
  });

  it.each([
    [
      '/runs/r1/cancel',
      { comment: 42 },
      'Invalid request body: comment: must be string',
    ],
    [
      '/runs/r1/retry',
      { reason: 'x' },
      'Invalid request body: body: must NOT have additional properties',
    ],
    [
      '/runs/r1/approve',
      { decision: 'maybe' },
      'Invalid request body: decision: must be equal to one of the allowed values: approve, reject',
    ],
    [
      '/actions/log/runs',
      { input: 'hi' },
      'Invalid request body: input: must be object',
    ],
    [
      '/dead-letters/s1/e1/redrive',
      { comment: 'x'.repeat(2001) },
      'Invalid request body: comment: must NOT have more than 2000 characters',
    ],
    [
      '/events',
      { type: 'portal.x.y', subject: '' },
      'Invalid request body: subject: String must contain at least 1 character(s)',
    ],
    [
      '/sensors/test',
      { sensorName: 's', events: [] },
      'Invalid request body: events: Array must contain at least 1 element(s)',
    ],
  ])('POST %s with %j answers 400: %s', async (path, body, reason) => {
    const answer = await api().post(`${base}${path}`).send(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({ name: 'InputError', message: reason });
  });
});

describe('a refused body from a caller without the permission', () => {
  it('answers 403, as the permission is checked first', async () => {
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.permissions.mock({
          authorize: async requests =>
            requests.map(() => ({ result: AuthorizeResult.DENY })),
        }).factory,
      ],
    });
    try {
      const answer = await request(backend.server)
        .post('/api/event-orchestration/runs/r1/approve')
        .send({ decision: 'maybe' });
      expect(answer.status).toBe(403);
      expect(answer.body.error.message).toBe(
        'Not allowed to approve runs (permission event-orchestration.run.approve)',
      );
    } finally {
      await backend.stop();
    }
  });
});
