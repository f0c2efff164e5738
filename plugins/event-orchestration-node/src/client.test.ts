import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { EventOrchestrationClient } from './client';

interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

/** A real HTTP server standing in for the backend: records each request, answers `reply`. */
async function startBackendStandIn(
  reply: (req: IncomingMessage) => { status: number; body: unknown },
) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', chunk => (body += chunk));
    req.on('end', () => {
      seen.push({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      const answer = reply(req);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    baseUrl: `http://127.0.0.1:${port}/api/event-orchestration`,
    close: () => new Promise(resolve => server.close(resolve)),
  };
}

const credentials = {
  $$type: '@backstage/BackstageCredentials',
  principal: { type: 'user', userEntityRef: 'user:default/ada' },
} as BackstageCredentials;

function clientOf(baseUrl: string) {
  const discovery = {
    getBaseUrl: async (pluginId: string) => {
      expect(pluginId).toBe('event-orchestration');
      return baseUrl;
    },
  } as DiscoveryService;
  const auth = {
    getPluginRequestToken: async (options: {
      onBehalfOf: BackstageCredentials;
      targetPluginId: string;
    }) => ({
      token: `token-for-${
        (options.onBehalfOf.principal as { userEntityRef: string })
          .userEntityRef
      }-to-${options.targetPluginId}`,
    }),
  } as unknown as AuthService;
  return new EventOrchestrationClient({ discovery, auth });
}

describe('EventOrchestrationClient (-node)', () => {
  it('calls the backend over HTTP on behalf of the caller, with the shared request shapes', async () => {
    const backend = await startBackendStandIn(req =>
      req.method === 'POST' && req.url?.endsWith('/events')
        ? { status: 201, body: { id: 'portal-1' } }
        : { status: 200, body: { id: 'r/1', status: 'pending' } },
    );
    try {
      const client = clientOf(backend.baseUrl);
      await expect(
        client.publishEvent(
          {
            type: 'portal.provisioning.requested',
            entityRef: 'component:default/shop',
            correlationId: 'task-1',
            data: { size: 'small' },
          },
          { credentials },
        ),
      ).resolves.toEqual({ id: 'portal-1' });
      await client.getRun('r/1', { credentials });
      await client.runAction(
        'http:request',
        { input: { url: 'https://example.com' }, idempotencyKey: 'k1' },
        { credentials },
      );
      expect(backend.seen).toEqual([
        {
          method: 'POST',
          url: '/api/event-orchestration/events',
          authorization:
            'Bearer token-for-user:default/ada-to-event-orchestration',
          contentType: 'application/json',
          body: JSON.stringify({
            type: 'portal.provisioning.requested',
            entityRef: 'component:default/shop',
            correlationId: 'task-1',
            data: { size: 'small' },
          }),
        },
        {
          method: 'GET',
          url: '/api/event-orchestration/runs/r%2F1',
          authorization:
            'Bearer token-for-user:default/ada-to-event-orchestration',
          contentType: undefined,
          body: '',
        },
        {
          method: 'POST',
          url: '/api/event-orchestration/actions/http%3Arequest/runs',
          authorization:
            'Bearer token-for-user:default/ada-to-event-orchestration',
          contentType: 'application/json',
          body: JSON.stringify({
            input: { url: 'https://example.com' },
            idempotencyKey: 'k1',
          }),
        },
      ]);
    } finally {
      await backend.close();
    }
  });

  it("rejects with a ResponseError carrying the backend's reason", async () => {
    const backend = await startBackendStandIn(() => ({
      status: 404,
      body: {
        error: { name: 'NotFoundError', message: "No event with id 'e1'" },
        request: { method: 'GET', url: '/events/e1' },
        response: { statusCode: 404 },
      },
    }));
    try {
      const error = await clientOf(backend.baseUrl)
        .getEvent('e1', { credentials })
        .catch(e => e);
      expect(error).toBeInstanceOf(ResponseError);
      expect(error.response.status).toBe(404);
      expect(error.body.error.message).toBe("No event with id 'e1'");
    } finally {
      await backend.close();
    }
  });
});
