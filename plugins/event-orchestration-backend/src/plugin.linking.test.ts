import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AddressInfo } from 'node:net';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { HostDiscovery } from '@backstage/backend-defaults/discovery';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { ConfigReader } from '@backstage/config';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(180_000);

const TOKEN = 'linking-test-token';
const webhooks = [
  {
    name: 'ci',
    type: 'generic',
    eventType: 'ci.image.pushed',
    subjectPath: 'image',
    auth: { bearerToken: TOKEN },
  },
];

function catalogInfo(name: string) {
  return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-a
`;
}

type Backend = Awaited<ReturnType<typeof startTestBackend>>;

async function postImage(backend: Backend, image: string): Promise<string> {
  const res = await request(backend.server)
    .post('/api/event-orchestration/webhooks/ci')
    .set('authorization', `Bearer ${TOKEN}`)
    .send({ image, tag: 'v1.0.0' });
  expect(res.status).toBe(202);
  return res.body.eventIds[0];
}

async function eventIdsOf(backend: Backend, entityRef: string) {
  const res = await request(backend.server)
    .get('/api/event-orchestration/events')
    .query({ entityRef });
  expect(res.status).toBe(200);
  return res.body.items.map(
    (e: { event: { id: string } }) => e.event.id,
  ) as string[];
}

async function stored(backend: Backend, id: string) {
  const res = await request(backend.server).get(
    `/api/event-orchestration/events/${id}`,
  );
  return res.status === 200 ? res.body : undefined;
}

/**
 * Events whose subject the catalog cannot link when they arrive, against the
 * real catalog backend: linked by the relinker, which Backstage's own scheduler
 * runs (the test backend's default scheduler runs tasks only when told).
 */
describe('linking events to entities the catalog learns of later', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('links an event that came before its component was registered', async () => {
    const files = http.createServer((req, res) => {
      if (req.url === '/acme/late-app/catalog-info.yaml') {
        res.setHeader('content-type', 'text/yaml');
        res.end(catalogInfo('late-app'));
      } else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>(r => files.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise(r => files.close(r)));
    const host = `127.0.0.1:${(files.address() as AddressInfo).port}`;
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        eventOrchestrationPlugin,
        schedulerServiceFactory,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:0',
              reading: { allow: [{ host }] },
            },
            catalog: { rules: [{ allow: ['Component', 'Location'] }] },
            eventOrchestration: {
              sources: { webhooks },
              // Started by hand below, as a template's step would.
              actions: { manual: { allowed: ['catalog:register'] } },
              // Fires on the push while its event is linked to nothing yet.
              sensors: [
                {
                  name: 'on-push',
                  dependencies: [
                    { name: 'pushed', eventType: 'ci.image.pushed' },
                  ],
                  workflow: {
                    steps: [
                      { id: 'log', action: 'log', input: { message: 'push' } },
                    ],
                  },
                },
              ],
            },
          },
        }),
      ],
    });
    closers.push(() => backend.stop());

    const id = await postImage(backend, 'late-app');
    const event = await waitFor(() => stored(backend, id), 'the event stored');
    expect(event.entityRefs).toEqual([]);
    expect(await eventIdsOf(backend, 'component:default/late-app')).toEqual([]);

    // A template's run registers the component, as in provisioning.
    const run = await request(backend.server)
      .post('/api/event-orchestration/actions/catalog:register/runs')
      .send({
        input: { target: `http://${host}/acme/late-app/catalog-info.yaml` },
      });
    expect([200, 201]).toContain(run.status);

    await waitFor(
      async () =>
        (await eventIdsOf(backend, 'component:default/late-app')).includes(id)
          ? true
          : undefined,
      'the event to be linked to the registered component',
      120_000,
    );
    const linked = await stored(backend, id);
    expect(linked.entityRefs).toEqual(['component:default/late-app']);
    // The run the sensor started from it shows on the component's tab too.
    expect(linked.runs).toHaveLength(1);
    const runs = await request(backend.server)
      .get('/api/event-orchestration/runs')
      .query({ entityRef: 'component:default/late-app' });
    expect(runs.body.items.map((r: { id: string }) => r.id)).toEqual([
      linked.runs[0].id,
    ]);
  });

  it('records and evaluates events while the catalog is unreachable, then links them when it answers', async () => {
    // The catalog lives in a second backend behind a TCP relay on a fixed port,
    // which refuses connections until the relay starts (the catalog is "down").
    const relayPort = await new Promise<number>(resolve => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const discovery = createServiceFactory({
      service: coreServices.discovery,
      deps: {},
      factory: () =>
        HostDiscovery.fromConfig(
          new ConfigReader({
            backend: { baseUrl: 'http://127.0.0.1:1', listen: { port: 1 } },
            discovery: {
              endpoints: [
                {
                  target: `http://127.0.0.1:${relayPort}/api/{{pluginId}}`,
                  plugins: ['catalog'],
                },
              ],
            },
          }),
        ),
    });
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        discovery,
        schedulerServiceFactory,
        mockServices.rootConfig.factory({
          data: { eventOrchestration: { sources: { webhooks } } },
        }),
      ],
    });
    closers.push(() => backend.stop());

    const id = await postImage(backend, 'down-app');
    // Stored and evaluated while nothing answers for the catalog; before this
    // change the sensor engine failed on it and retried until it dead-lettered.
    const event = await waitFor(
      () => stored(backend, id),
      'the event stored while the catalog is down',
      10_000,
    );
    expect(event.entityRefs).toEqual([]);
    const deadLetters = await request(backend.server).get(
      '/api/event-orchestration/dead-letters',
    );
    expect(deadLetters.status).toBe(200);
    expect(deadLetters.body.items).toEqual([]);
    /** The linking counts, measured after the call (/health reuses a measurement for a few seconds). */
    const health = async () => {
      const since = Date.now();
      return waitFor(async () => {
        const { body } = await request(backend.server).get(
          '/api/event-orchestration/health',
        );
        return Date.parse(body.checkedAt) >= since ? body.linking : undefined;
      }, 'a fresh /health measurement');
    };
    expect(await health()).toEqual({
      catalogUnreachable: 1,
      unknownSubject: 0,
    });

    // The catalog comes up, knowing the component from a file location.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-linking-'));
    closers.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'catalog-info.yaml');
    fs.writeFileSync(file, catalogInfo('down-app'));
    const catalogBackend = await startTestBackend({
      features: [
        catalogPlugin,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [{ allow: ['Component', 'Location'] }],
              locations: [{ type: 'file', target: file }],
            },
          },
        }),
      ],
    });
    closers.push(() => catalogBackend.stop());
    await waitFor(
      async () => {
        const res = await request(catalogBackend.server).get(
          '/api/catalog/entities/by-name/component/default/down-app',
        );
        return res.status === 200 ? true : undefined;
      },
      'the catalog to process its location',
      60_000,
    );
    const target = (catalogBackend.server.address() as AddressInfo).port;
    const relay = net.createServer(client => {
      const upstream = net.connect(target, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>(r => relay.listen(relayPort, '127.0.0.1', r));
    closers.push(() => new Promise(r => relay.close(r)));

    await waitFor(
      async () =>
        (await eventIdsOf(backend, 'component:default/down-app')).includes(id)
          ? true
          : undefined,
      'the event to be linked once the catalog answers',
      120_000,
    );
    expect((await stored(backend, id)).entityRefs).toEqual([
      'component:default/down-app',
    ]);
    expect(await health()).toEqual({
      catalogUnreachable: 0,
      unknownSubject: 0,
    });
  });
});
