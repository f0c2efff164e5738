import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';
import { createTestDatabases } from './__testUtils__/testDatabases';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(60_000);

const API_TOKEN = 'api-secret-token-7f3a9c';
const ACCESS_TOKEN = 'at-5d1c0e9b2f7a4c63';
const REFRESH_TOKEN = 'rt-0b8e6f1a3c9d2e57';
const GIT_PASSWORD = 'git-password-4e2b9d';
const EVENT_PASSWORD = 'hunter2-event-pw';
const DOCKER_CONFIG = Buffer.from(
  JSON.stringify({
    auths: { 'ghcr.io': { auth: 'Ym90OnJlZ2lzdHJ5LXB3ZA==' } },
  }),
).toString('base64');
const PRIVATE_KEY = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
}).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const PRIVATE_KEY_BODY = PRIVATE_KEY.split('\n')[1];

/** A token endpoint and a Kubernetes-like API, as their documentation shows them. */
async function startApi() {
  const received: Array<{ path: string; authorization?: string }> = [];
  const server = http.createServer((req, res) => {
    received.push({
      path: req.url ?? '',
      authorization: req.headers.authorization,
    });
    res.setHeader('content-type', 'application/json');
    if (req.url === '/oauth/token') {
      res.end(
        JSON.stringify({
          access_token: ACCESS_TOKEN,
          refresh_token: REFRESH_TOKEN,
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      );
    } else if (req.url === '/api/v1/namespaces/ci/secrets/registry') {
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'registry', namespace: 'ci' },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': DOCKER_CONFIG },
        }),
      );
    } else if (req.url === '/api/v1/namespaces/ci/secrets/tls') {
      res.end(
        JSON.stringify({
          data: { 'tls.crt': 'not a secret', tlsKey: PRIVATE_KEY },
        }),
      );
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: 'not found' }));
    }
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, received };
}

function sensorsFor(base: string) {
  const gitRemote = base.replace('http://', `http://deploy:${GIT_PASSWORD}@`);
  return [
    {
      name: 'token-exchange',
      dependencies: [{ name: 'start', eventType: 'test.token' }],
      workflow: {
        steps: [
          {
            id: 'exchange',
            action: 'http:request',
            input: {
              url: `${base}/oauth/token`,
              method: 'POST',
              headers: { Authorization: 'Bearer ${{ secrets.apiToken }}' },
              retries: 0,
            },
          },
          {
            id: 'pull',
            action: 'http:request',
            input: {
              url: `${base}/api/v1/namespaces/ci/secrets/registry`,
              retries: 0,
            },
          },
          {
            id: 'tls',
            action: 'http:request',
            input: {
              url: `${base}/api/v1/namespaces/ci/secrets/tls`,
              retries: 0,
            },
          },
          {
            id: 'note',
            action: 'log',
            input: { message: 'key: ${{ steps.tls.output.body.data.tlsKey }}' },
          },
          {
            id: 'clone',
            action: 'http:request',
            input: { url: `${gitRemote}/org/repo.git/info/refs`, retries: 0 },
          },
        ],
      },
    },
    {
      name: 'unknown-secret',
      dependencies: [{ name: 'start', eventType: 'test.unknown' }],
      workflow: {
        steps: [
          {
            id: 'call',
            action: 'http:request',
            input: {
              url: `${base}/oauth/token`,
              headers: { Authorization: 'Bearer ${{ secrets.slackToken }}' },
              retries: 0,
            },
          },
        ],
      },
    },
    {
      // Its verdict quotes the field it looked at.
      name: 'no-passwords-in-events',
      dependencies: [
        {
          name: 'stored',
          eventType: 'test.stored',
          filters: { data: [{ path: 'password', exists: false }] },
        },
      ],
      workflow: {
        steps: [{ id: 'note', action: 'log', input: { message: 'ok' } }],
      },
    },
    {
      name: 'literal-credentials',
      dependencies: [{ name: 'start', eventType: 'test.never' }],
      workflow: {
        steps: [
          {
            id: 'call',
            action: 'http:request',
            input: {
              url: 'https://bot:literal-pat-9876@git.example.com/org/repo.git',
              headers: {
                Authorization: 'Bearer abc',
                'X-Api-Key': 'literal-api-key-5555',
                'X-Templated': 'Bearer ${{ secrets.apiToken }}',
              },
            },
          },
        ],
      },
    },
  ];
}

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'secrets stay secret on %s',
  databaseId => {
    let api: Awaited<ReturnType<typeof startApi>>;
    let backend: Awaited<ReturnType<typeof startTestBackend>>;

    beforeAll(async () => {
      api = await startApi();
      const knex = await databases.init(databaseId);
      backend = await startTestBackend({
        features: [
          eventOrchestrationPlugin,
          catalogServiceMock.factory({ entities: [] }),
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              eventOrchestration: {
                secrets: { apiToken: API_TOKEN },
                // The test.* events below are published through POST /events.
                portal: { publishableTypes: ['test.*'] },
                actions: {
                  http: {
                    allowedHosts: ['127.0.0.1'],
                    allowedCidrs: ['127.0.0.1/32'],
                  },
                  // Started by hand below.
                  manual: { allowed: ['http:request'] },
                },
                sensors: sensorsFor(api.base),
              },
            },
          }),
        ],
      });
    });

    afterAll(async () => {
      await backend?.stop();
      await new Promise(r => api?.server.close(r));
    });

    const client = () => request(backend.server);
    const publish = async (type: string, data: Record<string, unknown>) => {
      const response = await client()
        .post('/api/event-orchestration/events')
        .send({ type, data });
      expect(response.status).toBe(201);
    };
    const finishedRun = (sensor: string) =>
      waitFor(async () => {
        const { body } = await client().get(
          `/api/event-orchestration/runs?sensor=${sensor}`,
        );
        const run = body.items?.find(
          (r: any) =>
            r.sensor === sensor && ['failed', 'succeeded'].includes(r.status),
        );
        if (!run) return undefined;
        return (await client().get(`/api/event-orchestration/runs/${run.id}`))
          .body;
      }, `a finished run of ${sensor}`);

    it('sends a secret to the action but stores and shows ***, and scrubs tokens, keys and URL credentials from outputs, logs and errors', async () => {
      await publish('test.token', { reason: 'rotate' });
      const run = await finishedRun('token-exchange');
      const text = JSON.stringify(run);

      // The server got the real value; nothing stored shows it.
      expect(api.received[0]).toEqual({
        path: '/oauth/token',
        authorization: `Bearer ${API_TOKEN}`,
      });
      const [exchange, pull, tls, note, clone] = run.steps;
      expect(exchange.input.headers).toEqual({ Authorization: '***' });
      expect(exchange.output.body).toEqual({
        access_token: '***',
        refresh_token: '***',
        token_type: 'Bearer',
        expires_in: 3600,
      });
      expect(pull.output.body.data).toEqual({ '.dockerconfigjson': '***' });
      expect(tls.output.body.data['tls.crt']).toBe('not a secret');
      expect(note.logs.join('\n')).toContain('key: ***');
      expect(clone.input.url).toBe(
        `${api.base.replace('http://', 'http://***@')}/org/repo.git/info/refs`,
      );
      expect(run.status).toBe('failed');
      expect(run.error).toContain("step 'clone' failed");
      for (const leaked of [
        API_TOKEN,
        ACCESS_TOKEN,
        REFRESH_TOKEN,
        DOCKER_CONFIG,
        PRIVATE_KEY_BODY,
        GIT_PASSWORD,
      ]) {
        expect(text).not.toContain(leaked);
      }
    });

    it('fails a step that names an unknown secret, naming the secret', async () => {
      const before = api.received.length;
      await publish('test.unknown', { reason: 'missing' });
      const run = await finishedRun('unknown-secret');
      expect(run.status).toBe('failed');
      expect(run.steps[0].error).toBe(
        "no secret 'slackToken' is configured (eventOrchestration.secrets.slackToken)",
      );
      expect(api.received.length).toBe(before);
    });

    it('does not resolve secrets in the input of a hand-started action', async () => {
      const before = api.received.length;
      const started = await client()
        .post('/api/event-orchestration/actions/http:request/runs')
        .send({
          input: {
            url: `${api.base}/oauth/token`,
            headers: { Authorization: 'Bearer ${{ secrets.apiToken }}' },
            retries: 0,
          },
        });
      expect(started.status).toBe(201);
      const run = await waitFor(async () => {
        const { body } = await client().get(
          `/api/event-orchestration/runs/${started.body.id}`,
        );
        return body.status === 'failed' ? body : undefined;
      }, 'the hand-started run to fail');
      expect(run.steps[0].error).toBe(
        'secrets can only be used by sensors the deployment defines, not in the input of a hand-started action',
      );
      expect(api.received.length).toBe(before);
    });

    it('stores an event with its password and credentials scrubbed', async () => {
      await publish('test.stored', {
        user: 'alice',
        password: EVENT_PASSWORD,
        note: `deploy key ${PRIVATE_KEY}`,
      });
      const stored = await waitFor(async () => {
        const { body } = await client().get(
          '/api/event-orchestration/events?type=test.stored',
        );
        return body.items?.[0];
      }, 'the stored event');
      expect(stored.event.data.user).toBe('alice');
      expect(stored.event.data.password).toBe('***');
      expect(stored.event.data.note).toBe('deploy key ***\n');
      const withVerdicts = await waitFor(async () => {
        const response = await client().get(
          `/api/event-orchestration/events/${stored.event.id}`,
        );
        return response.body.evaluations?.length ? response : undefined;
      }, 'the verdicts on the stored event');
      expect(withVerdicts.text).not.toContain(EVENT_PASSWORD);
      expect(
        withVerdicts.body.evaluations.find(
          (e: any) => e.sensor === 'no-passwords-in-events',
        ).reason,
      ).toBe(
        "dependency 'stored': data.password was `***`, expected it to be missing",
      );
    });

    it('previews a sensor that names secrets in a dry run with *** in their place', async () => {
      const answer = await client()
        .post('/api/event-orchestration/sensors/test')
        .send({
          sensorName: 'literal-credentials',
          events: [{ type: 'test.never', data: {} }],
        });
      expect(answer.status).toBe(200);
      expect(answer.body.results[0].steps[0].input.headers).toEqual({
        Authorization: '***',
        'X-Api-Key': '***',
        'X-Templated': 'Bearer ***',
      });
      expect(answer.text).not.toContain(API_TOKEN);
    });

    it('shows sensor definitions with literal credentials redacted and secret references kept', async () => {
      const list = await client().get('/api/event-orchestration/sensors');
      const one = await client().get(
        '/api/event-orchestration/sensors/literal-credentials',
      );
      for (const response of [list, one]) {
        expect(response.status).toBe(200);
        expect(response.text).not.toContain('literal-pat-9876');
        expect(response.text).not.toContain('literal-api-key-5555');
        expect(response.text).not.toContain('Bearer abc');
        expect(response.text).not.toContain(GIT_PASSWORD);
      }
      const spec = one.body.spec;
      expect(spec.workflow.steps[0].input).toEqual({
        url: 'https://***@git.example.com/org/repo.git',
        headers: {
          Authorization: '***',
          'X-Api-Key': '***',
          'X-Templated': 'Bearer ${{ secrets.apiToken }}',
        },
      });
    });
  },
);
