import http from 'node:http';
import { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createOutboundAgent } from './outboundAgent';
import { OutboundPolicy } from './outboundPolicy';

/** A loopback server that closes every connection after answering, and counts them. */
async function startServer() {
  let connections = 0;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { connection: 'close' });
    res.end('reached');
  });
  server.on('connection', () => connections++);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise(resolve => server.close(resolve)),
  };
}

describe('the outbound agent', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(() => server.close());

  it.each([
    ['http://127.0.0.1:PORT/', '127.0.0.1 (loopback address)'],
    ['http://[::ffff:127.0.0.1]:PORT/', '127.0.0.1 (loopback address)'],
    ['http://2130706433:PORT/', '127.0.0.1 (loopback address)'],
  ])(
    'checks the literal address %s when connecting, not only the action',
    async (url, reason) => {
      const agent = createOutboundAgent(new OutboundPolicy(), async () => {
        throw new Error('a literal address is not looked up');
      });
      await expect(
        request(url.replace('PORT', String(server.port)), {
          dispatcher: agent,
        }),
      ).rejects.toThrow(`http:request refused ${reason}`);
      expect(server.connections()).toBe(0);
      await agent.close();
    },
  );

  it('refuses a name when any of its addresses is denied', async () => {
    const agent = createOutboundAgent(new OutboundPolicy(), async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ]);
    await expect(
      request(`http://mixed.example.test:${server.port}/`, {
        dispatcher: agent,
      }),
    ).rejects.toThrow(
      'http:request refused 10.0.0.1 (private address) for mixed.example.test',
    );
    await agent.close();
  });

  it('checks host names against allowedHosts on every connection', async () => {
    const agent = createOutboundAgent(
      new OutboundPolicy({
        allowedHosts: ['a.example.test'],
        allowedCidrs: ['127.0.0.1'],
      }),
      async () => [{ address: '127.0.0.1', family: 4 }],
    );
    const allowed = await request(`http://a.example.test:${server.port}/`, {
      dispatcher: agent,
    });
    expect(await allowed.body.text()).toBe('reached');
    await expect(
      request(`http://b.example.test:${server.port}/`, { dispatcher: agent }),
    ).rejects.toThrow(
      'http:request refused b.example.test: not in eventOrchestration.actions.http.allowedHosts',
    );
    expect(server.connections()).toBe(1);
    await agent.close();
  });

  it('checks the address again for each new connection (a name rebound inward is refused)', async () => {
    const answers = ['127.0.0.1', '127.0.0.2'];
    const agent = createOutboundAgent(
      new OutboundPolicy({ allowedCidrs: ['127.0.0.1/32'] }),
      async () => [{ address: answers.shift()!, family: 4 }],
    );
    const url = `http://rebound.example.test:${server.port}/`;
    const first = await request(url, { dispatcher: agent });
    expect(await first.body.text()).toBe('reached');
    await expect(request(url, { dispatcher: agent })).rejects.toThrow(
      'http:request refused 127.0.0.2 (loopback address) for rebound.example.test',
    );
    expect(server.connections()).toBe(1);
    await agent.close();
  });
});
