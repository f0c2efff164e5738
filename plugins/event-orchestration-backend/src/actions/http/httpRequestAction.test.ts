import http from 'node:http';
import { AddressInfo } from 'node:net';
import { runActionForTest } from '../../__testUtils__/runAction';
import { startHttpSink } from '../../__testUtils__/httpSink';
import { waitFor } from '../../__testUtils__/waitFor';
import { createHttpRequestAction } from './httpRequestAction';
import { HostResolver } from '../../shared/http';

const run = (
  action: ReturnType<typeof createHttpRequestAction>,
  input: Record<string, unknown>,
) => runActionForTest(action, input, { runId: 'run-1', stepId: 'call' });

/** The test sinks listen on 127.0.0.1, which the action refuses unless allowed. */
const LOOPBACK = ['127.0.0.1/32'];

/** A resolver that answers every name with `address` and counts the questions. */
function resolveTo(address: string) {
  const resolver = Object.assign(
    (async () => {
      resolver.calls++;
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    }) as HostResolver,
    { calls: 0 },
  );
  return resolver;
}

/** A loopback server that counts TCP connections, to prove none was opened. */
async function startCountingServer(
  handler: http.RequestListener = (_req, res) => res.end('reached'),
) {
  const server = http.createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('http:request', () => {
  it('retries 5xx answers with the same Idempotency-Key and reports the final answer', async () => {
    const sink = await startHttpSink();
    try {
      sink.answerNext(503, 502);
      const out = await run(
        createHttpRequestAction({ allowedCidrs: LOOPBACK }),
        {
          url: `${sink.url}/hook`,
          body: { text: 'hi' },
        },
      );
      expect(out).toEqual({ status: 200, body: { ok: true } });
      expect(sink.received.map(r => r.headers['idempotency-key'])).toEqual([
        'run-1:call',
        'run-1:call',
        'run-1:call',
      ]);
      expect(sink.received.map(r => r.body)).toEqual(
        Array(3).fill('{"text":"hi"}'),
      );
    } finally {
      await sink.close();
    }
  });

  it('calls only allowed hosts when an allow-list is configured, and still checks their addresses', async () => {
    const sink = await startHttpSink();
    try {
      const strict = createHttpRequestAction({
        allowedHosts: ['hooks.slack.com', '*.example.com'],
        allowedCidrs: LOOPBACK,
      });
      await expect(run(strict, { url: `${sink.url}/hook` })).rejects.toThrow(
        'http:request refused 127.0.0.1: not in eventOrchestration.actions.http.allowedHosts',
      );
      const namedButInward = createHttpRequestAction({
        allowedHosts: ['127.0.0.1'],
      });
      await expect(
        run(namedButInward, { url: `${sink.url}/hook` }),
      ).rejects.toThrow(
        'http:request refused 127.0.0.1 (loopback address); allow it with eventOrchestration.actions.http.allowedCidrs',
      );
      expect(sink.received).toHaveLength(0);
      const loopback = createHttpRequestAction({
        allowedHosts: ['127.0.0.1'],
        allowedCidrs: LOOPBACK,
      });
      expect((await run(loopback, { url: `${sink.url}/hook` })).status).toBe(
        200,
      );
    } finally {
      await sink.close();
    }
  });

  it('calls an allowed host name through the resolver, with its name in the Host header', async () => {
    const sink = await startHttpSink();
    try {
      const port = new URL(sink.url).port;
      const resolver = resolveTo('127.0.0.1');
      const action = createHttpRequestAction({
        allowedHosts: ['HOOKS.example.test.'],
        allowedCidrs: LOOPBACK,
        resolve: resolver,
      });
      const out = await run(action, {
        url: `http://hooks.example.test.:${port}/hook`,
      });
      expect(out.status).toBe(200);
      expect(resolver.calls).toBe(1);
      expect(sink.received[0].headers.host).toBe(`hooks.example.test.:${port}`);
    } finally {
      await sink.close();
    }
  });

  describe('refuses inward addresses before connecting', () => {
    let server: Awaited<ReturnType<typeof startCountingServer>>;
    beforeEach(async () => {
      server = await startCountingServer();
    });
    afterEach(() => server.close());

    it.each([
      [
        'a loopback literal',
        'http://127.0.0.1:PORT/',
        '127.0.0.1 (loopback address)',
      ],
      [
        'a loopback integer',
        'http://2130706433:PORT/',
        '127.0.0.1 (loopback address)',
      ],
      [
        'a loopback hex/short form',
        'http://0x7f.1:PORT/',
        '127.0.0.1 (loopback address)',
      ],
      [
        'an IPv4-mapped IPv6 loopback',
        'http://[::ffff:127.0.0.1]:PORT/',
        '127.0.0.1 (loopback address) for [::ffff:7f00:1]',
      ],
    ])('%s', async (_name, url, reason) => {
      const resolver = resolveTo('127.0.0.1');
      await expect(
        run(createHttpRequestAction({ resolve: resolver }), {
          url: url.replace('PORT', String(server.port)),
          retries: 2,
        }),
      ).rejects.toThrow(
        `http:request refused ${reason}; allow it with eventOrchestration.actions.http.allowedCidrs`,
      );
      expect(resolver.calls).toBe(0);
      expect(server.connections()).toBe(0);
    });

    it.each([
      ['127.0.0.1', '127.0.0.1 (loopback address)'],
      ['10.0.0.1', '10.0.0.1 (private address)'],
      ['100.64.0.1', '100.64.0.1 (carrier-grade NAT address)'],
      ['fd12::1', 'fd12::1 (private address)'],
      ['fe80::1', 'fe80::1 (link-local address)'],
      [
        '64:ff9b::a00:1',
        '64:ff9b::a00:1 (rfc6052 address of 10.0.0.1 (private address))',
      ],
      [
        '2002:7f00:1::',
        '2002:7f00:1:: (6to4 address of 127.0.0.1 (loopback address))',
      ],
    ])(
      'a DNS name pointing at %s, once, without retrying',
      async (address, reason) => {
        const resolver = resolveTo(address);
        await expect(
          run(createHttpRequestAction({ resolve: resolver }), {
            url: `http://inward.example.test:${server.port}/`,
            retries: 2,
          }),
        ).rejects.toThrow(
          `http:request refused ${reason} for inward.example.test; allow it with eventOrchestration.actions.http.allowedCidrs`,
        );
        expect(resolver.calls).toBe(1);
        expect(server.connections()).toBe(0);
      },
    );

    it('a DNS name pointing at cloud metadata, even with loopback and link-local allowed', async () => {
      const action = createHttpRequestAction({
        allowedCidrs: ['127.0.0.0/8', '169.254.0.0/16', '::/0'],
        resolve: resolveTo('::ffff:169.254.169.254'),
      });
      await expect(
        run(action, { url: `http://inward.example.test:${server.port}/` }),
      ).rejects.toThrow(
        'http:request refused 169.254.169.254 (cloud metadata address) for inward.example.test; allow it by naming 169.254.169.254/32 in eventOrchestration.actions.http.allowedCidrs',
      );
      expect(server.connections()).toBe(0);
    });

    it.each([
      [
        'http://169.254.169.254/latest/meta-data/',
        '169.254.169.254 (cloud metadata address)',
      ],
      [
        'http://[::ffff:169.254.169.254]/latest/meta-data/',
        '169.254.169.254 (cloud metadata address)',
      ],
      [
        'http://[::ffff:a9fe:a9fe]/',
        '169.254.169.254 (cloud metadata address)',
      ],
      [
        'http://[fd00:ec2::254]/latest/meta-data/',
        'fd00:ec2::254 (cloud metadata address)',
      ],
      [
        'http://metadata.google.internal:PORT/computeMetadata/v1/',
        'metadata.google.internal (cloud metadata host)',
      ],
      [
        'http://metadata.google.internal.:PORT/computeMetadata/v1/',
        'metadata.google.internal (cloud metadata host)',
      ],
      [
        'http://METADATA.google.internal.:PORT/computeMetadata/v1/',
        'metadata.google.internal (cloud metadata host)',
      ],
    ])('cloud metadata at %s', async (url, reason) => {
      // The names resolve to the counting server, on an allowed address.
      const action = createHttpRequestAction({
        allowedCidrs: ['127.0.0.0/8'],
        resolve: resolveTo('127.0.0.1'),
      });
      await expect(
        run(action, {
          url: url.replace('PORT', String(server.port)),
          timeoutMs: 2_000,
          retries: 0,
        }),
      ).rejects.toThrow(`http:request refused ${reason}`);
      expect(server.connections()).toBe(0);
    });
  });

  it('refuses a URL with credentials in it instead of dropping them silently', async () => {
    const sink = await startHttpSink();
    try {
      const action = createHttpRequestAction({ allowedCidrs: LOOPBACK });
      await expect(
        run(action, {
          url: sink.url.replace('http://', 'http://deploy:s3cret@'),
        }),
      ).rejects.toThrow(
        'must not contain credentials; send them in headers (Authorization)',
      );
      expect(sink.received).toHaveLength(0);
    } finally {
      await sink.close();
    }
  });

  it('does not follow a redirect to an internal address', async () => {
    const internal = await startCountingServer();
    const redirecting = await startCountingServer((_req, res) => {
      res.writeHead(302, {
        location: `http://127.0.0.1:${internal.port}/admin`,
      });
      res.end();
    });
    try {
      const action = createHttpRequestAction({
        allowedHosts: ['hooks.example.test'],
        allowedCidrs: LOOPBACK,
        resolve: resolveTo('127.0.0.1'),
      });
      await expect(
        run(action, {
          url: `http://hooks.example.test:${redirecting.port}/hook`,
          retries: 0,
        }),
      ).rejects.toThrow(
        `POST http://hooks.example.test:${redirecting.port}/hook answered 302`,
      );
      expect(redirecting.connections()).toBe(1);
      expect(internal.connections()).toBe(0);
    } finally {
      await internal.close();
      await redirecting.close();
    }
  });

  it('stops reading a large response at 64 KiB and closes the connection', async () => {
    const total = 50 * 1024 * 1024;
    let written = 0;
    let closedAt: number | undefined;
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const server = await startCountingServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-length': String(total),
      });
      res.on('close', () => {
        closedAt ??= written;
      });
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          // Honour backpressure, so `written` is what the client could have read.
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (written >= total) res.end();
      };
      pump();
    });
    try {
      const out = await run(
        createHttpRequestAction({ allowedCidrs: LOOPBACK }),
        {
          url: `http://127.0.0.1:${server.port}/big`,
          method: 'GET',
        },
      );
      expect(out.status).toBe(200);
      expect(out.truncated).toBe(true);
      expect(out.body).toBe('a'.repeat(64 * 1024));
      // The connection was closed after a small part of the 50 MB had been written.
      const writtenWhenClosed = await waitFor(
        async () => closedAt,
        'the server to see the connection closed',
      );
      expect(writtenWhenClosed).toBeLessThan(total / 10);
    } finally {
      await server.close();
    }
  });
});
