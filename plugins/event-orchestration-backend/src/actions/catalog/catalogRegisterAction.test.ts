import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import request from 'supertest';
import { eventOrchestrationPlugin } from '../../plugin';
import { waitFor } from '../../__testUtils__/waitFor';

jest.setTimeout(120_000);

const catalogInfo = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: fresh-app
  annotations:
    backstage.io/kubernetes-id: fresh-app
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-a
`;

/**
 * catalog:register through our plugin's POST /actions/:id/runs against the real
 * catalog backend, which reads the catalog-info.yaml over HTTP from a local
 * server (allowed by backend.reading.allow).
 */
describe('catalog:register with the real catalog backend', () => {
  let files: http.Server;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let target: string;
  const reads: string[] = [];

  beforeAll(async () => {
    files = http.createServer((req, res) => {
      reads.push(req.url!);
      if (req.url === '/acme/fresh-app/catalog-info.yaml') {
        res.setHeader('content-type', 'text/yaml');
        res.end(catalogInfo);
      } else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>(r => files.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(files.address() as AddressInfo).port}`;
    target = `http://${host}/acme/fresh-app/catalog-info.yaml`;
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        eventOrchestrationPlugin,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:0',
              reading: { allow: [{ host }] },
            },
            catalog: { rules: [{ allow: ['Component', 'Location'] }] },
            eventOrchestration: {
              actions: { manual: { allowed: ['catalog:register'] } },
            },
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await new Promise(r => files?.close(r));
  });

  const runAction = async (input: unknown, idempotencyKey?: string) => {
    const started = await request(backend.server)
      .post('/api/event-orchestration/actions/catalog:register/runs')
      .send({ input, idempotencyKey });
    expect([200, 201]).toContain(started.status);
    return waitFor(async () => {
      const run = (
        await request(backend.server).get(
          `/api/event-orchestration/runs/${started.body.id}`,
        )
      ).body;
      return ['succeeded', 'failed'].includes(run.status) ? run : undefined;
    }, 'the run to finish');
  };

  it('registers the location, names its entity, and the catalog then serves it', async () => {
    const run = await runAction({ target });
    expect(run.status).toBe('succeeded');
    expect(run.steps[0].output).toEqual({
      locationId: expect.any(String),
      entityRefs: ['component:default/fresh-app'],
      entityRef: 'component:default/fresh-app',
      alreadyRegistered: false,
    });
    const entity = await waitFor(
      async () => {
        const res = await request(backend.server).get(
          '/api/catalog/entities/by-name/component/default/fresh-app',
        );
        return res.status === 200 ? res.body : undefined;
      },
      'the catalog to process the location',
      60_000,
    );
    expect(entity.spec.owner).toBe('group:default/team-a');
    expect(
      entity.metadata.annotations['backstage.io/managed-by-origin-location'],
    ).toBe(`url:${target}`);

    // A second registration (another run, or a retried step) reports the same location.
    const again = await runAction({ target });
    expect(again.status).toBe('succeeded');
    expect(again.steps[0].output).toEqual({
      ...run.steps[0].output,
      alreadyRegistered: true,
    });
    const locations = (
      await request(backend.server).get('/api/catalog/locations')
    ).body;
    expect(locations.filter((l: any) => l.data.target === target)).toHaveLength(
      1,
    );
  });

  it('fails the step with the catalog’s reason when the file cannot be read', async () => {
    const missing = target.replace(
      'fresh-app/catalog-info',
      'nothing-here/catalog-info',
    );
    const run = await runAction({ target: missing });
    expect(run.status).toBe('failed');
    expect(run.steps[0].error).toMatch(
      /^the catalog cannot register http:.*nothing-here.*: NotFoundError: Unable to read url/,
    );
    const locations = (
      await request(backend.server).get('/api/catalog/locations')
    ).body;
    expect(
      locations.filter((l: any) => l.data.target === missing),
    ).toHaveLength(0);
  });
});
