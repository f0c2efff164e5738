import http from 'node:http';
import { AddressInfo } from 'node:net';
import { runActionForTest } from '../../__testUtils__/runAction';
import { ConfigReader } from '@backstage/config';
import { createArgoCdActions, readArgoCdInstances } from './argocdActions';

/**
 * A stand-in for Argo CD's REST API answering with the Application shape it
 * documents (metadata, status.sync, status.health, status.operationState).
 */
async function startArgoCd(phases: string[]) {
  const requests: Array<{
    method: string;
    url: string;
    auth?: string;
    body: any;
  }> = [];
  let polls = 0;
  const application = (phase: string) => ({
    metadata: { name: 'my-awesome-app', namespace: 'argocd' },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://git.example.com/gitops.git',
        targetRevision: 'main',
      },
    },
    status: {
      sync: {
        status: phase === 'Succeeded' ? 'Synced' : 'OutOfSync',
        revision: 'abc123',
      },
      health: { status: phase === 'Succeeded' ? 'Healthy' : 'Progressing' },
      operationState: {
        phase,
        message:
          phase === 'Failed'
            ? 'one or more objects failed to apply'
            : 'syncing',
      },
    },
  });
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', c => (raw += c));
    req.on('end', () => {
      requests.push({
        method: req.method!,
        url: req.url!,
        auth: req.headers.authorization,
        body: raw ? JSON.parse(raw) : undefined,
      });
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== 'Bearer argocd-token') {
        res.writeHead(401).end(
          JSON.stringify({
            error: 'invalid session',
            code: 16,
            message: 'invalid session: token is invalid',
          }),
        );
        return;
      }
      if (!req.url!.startsWith('/api/v1/applications/my-awesome-app')) {
        res.writeHead(404).end(
          JSON.stringify({
            error: 'not found',
            code: 5,
            message: 'applications.argoproj.io "x" not found',
          }),
        );
        return;
      }
      const phase =
        req.method === 'POST'
          ? 'Running'
          : phases[Math.min(polls++, phases.length - 1)];
      res.writeHead(200).end(JSON.stringify(application(phase)));
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () => new Promise<void>(r => server.close(() => r())),
  };
}

const run = (action: any, input: Record<string, unknown>) =>
  runActionForTest(action, input);

describe('argocd actions', () => {
  it('syncs with a bearer token and waits for the operation to succeed', async () => {
    const argocd = await startArgoCd(['Running', 'Succeeded']);
    try {
      const [sync] = createArgoCdActions(
        [{ name: 'prod', baseUrl: argocd.url, token: 'argocd-token' }],
        { pollIntervalMs: 10 },
      );
      const output = await run(sync, {
        application: 'my-awesome-app',
        revision: 'abc123',
        wait: true,
      });
      expect(output).toEqual({
        syncStatus: 'Synced',
        health: 'Healthy',
        phase: 'Succeeded',
        revision: 'abc123',
      });
      expect(argocd.requests).toEqual([
        {
          method: 'POST',
          url: '/api/v1/applications/my-awesome-app/sync',
          auth: 'Bearer argocd-token',
          body: { revision: 'abc123', prune: false, dryRun: false },
        },
        {
          method: 'GET',
          url: '/api/v1/applications/my-awesome-app',
          auth: 'Bearer argocd-token',
          body: undefined,
        },
        {
          method: 'GET',
          url: '/api/v1/applications/my-awesome-app',
          auth: 'Bearer argocd-token',
          body: undefined,
        },
      ]);
    } finally {
      await argocd.close();
    }
  });

  it("fails the step with Argo CD's message when the sync fails or the token is refused", async () => {
    const argocd = await startArgoCd(['Failed']);
    try {
      const [sync, getStatus] = createArgoCdActions(
        [{ name: 'prod', baseUrl: argocd.url, token: 'argocd-token' }],
        { pollIntervalMs: 10 },
      );
      await expect(
        run(sync, { application: 'my-awesome-app', wait: true }),
      ).rejects.toThrow(
        'sync of my-awesome-app ended Failed: one or more objects failed to apply',
      );
      const [badToken] = createArgoCdActions([
        { name: 'prod', baseUrl: argocd.url, token: 'wrong' },
      ]);
      await expect(
        run(badToken, { application: 'my-awesome-app' }),
      ).rejects.toThrow(
        'Argo CD prod answered 401 to POST /api/v1/applications/my-awesome-app/sync: invalid session: token is invalid',
      );
      expect(
        await run(getStatus, { application: 'my-awesome-app' }),
      ).toMatchObject({ health: 'Progressing' });
      await expect(
        run(sync, { application: 'my-awesome-app', instance: 'staging' }),
      ).rejects.toThrow(
        "no Argo CD instance named 'staging' (configured: prod)",
      );
    } finally {
      await argocd.close();
    }
  });

  it('reads instances from config and refuses a bad base URL', () => {
    expect(
      readArgoCdInstances(
        new ConfigReader({
          eventOrchestration: {
            argocd: {
              instances: [
                {
                  name: 'prod',
                  baseUrl: 'https://argocd.example.com/',
                  token: 't',
                },
              ],
            },
          },
        }),
      ),
    ).toEqual([
      { name: 'prod', baseUrl: 'https://argocd.example.com', token: 't' },
    ]);
    expect(() =>
      readArgoCdInstances(
        new ConfigReader({
          eventOrchestration: {
            argocd: {
              instances: [{ name: 'x', baseUrl: 'argocd:443', token: 't' }],
            },
          },
        }),
      ),
    ).toThrow(
      'eventOrchestration.argocd.instances[0].baseUrl must be an http(s) URL',
    );
  });
});
