import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { createUser } from '@nats-io/nkeys';
import { NatsEventBus } from './NatsEventBus';
import { readNatsConnectionSettings } from '../shared/nats/natsConnection';
import { startNatsServer } from '../__testUtils__/natsServer';
import { natsOperatorSetup } from '../__testUtils__/natsOperator';

jest.setTimeout(60_000);

const read = (nats: object) => () =>
  readNatsConnectionSettings(new ConfigReader(nats));

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl. */
function makeCertificates(dir: string) {
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=edo-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  for (const name of ['server', 'client']) {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    fs.writeFileSync(
      path.join(dir, `${name}.ext`),
      name === 'server'
        ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
        : 'extendedKeyUsage=clientAuth\n',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  }
  return Object.fromEntries(
    ['ca.pem', 'server.pem', 'server.key', 'client.pem', 'client.key'].map(
      f => [f, path.join(dir, f)],
    ),
  );
}

/** Connects the bus with the options, publishes one event and sees it handled. */
async function expectRoundTrip(
  options: Parameters<typeof NatsEventBus.connect>[0],
  eventId: string,
) {
  const bus = await NatsEventBus.connect(options, mockServices.logger.mock());
  try {
    const handled: string[] = [];
    await bus.subscribe('reader', async event => {
      handled.push(event.id);
    });
    await bus.publish({
      specversion: '1.0',
      id: eventId,
      source: '/test',
      type: 'test.connection',
      time: new Date().toISOString(),
      data: {},
    });
    for (let i = 0; i < 100 && handled.length === 0; i++)
      await new Promise(r => setTimeout(r, 50));
    expect(handled).toEqual([eventId]);
  } finally {
    await bus.close();
  }
}

describe('NATS connection settings', () => {
  it('refuses two ways to authenticate, half a client certificate, missing files and malformed seeds, without echoing secrets', () => {
    const servers = ['nats://127.0.0.1:4222'];
    expect(read({ servers: [] })).toThrow(
      'eventOrchestration.bus.nats.servers must name at least one server',
    );
    expect(read({ servers, token: 't', nkeySeed: 'SUx' })).toThrow(
      'eventOrchestration.bus.nats takes one way to authenticate; token and nkeySeed are both set',
    );
    expect(read({ servers, pass: 'p' })).toThrow(
      'eventOrchestration.bus.nats.pass needs user',
    );
    expect(read({ servers, nkeySeed: 'SUsecret-value' })).toThrow(
      'eventOrchestration.bus.nats.nkeySeed must be an nkey user seed (58 characters starting with SU)',
    );
    expect(read({ servers, nkeySeed: 'SUsecret-value' })).not.toThrow(
      /secret-value/,
    );
    expect(read({ servers, tls: { certFile: '/etc/hostname' } })).toThrow(
      'eventOrchestration.bus.nats.tls needs certFile and keyFile together (a client certificate and its key)',
    );
    expect(read({ servers, credsFile: '/nonexistent/user.creds' })).toThrow(
      "eventOrchestration.bus.nats.credsFile '/nonexistent/user.creds' does not exist",
    );
  });

  it('connects the bus over mutual TLS with an nkey user, and fails clearly with another key or CA', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-nats-tls-'));
    const files = makeCertificates(dir);
    const user = createUser();
    const seed = new TextDecoder().decode(user.getSeed());
    const nats = await startNatsServer({
      config: [
        'tls {',
        `  cert_file: "${files['server.pem']}"`,
        `  key_file: "${files['server.key']}"`,
        `  ca_file: "${files['ca.pem']}"`,
        '  verify: true',
        '}',
        `authorization { users: [ { nkey: "${user.getPublicKey()}" } ] }`,
      ].join('\n'),
    });
    const logger = mockServices.logger.mock();
    const tls = {
      caFile: files['ca.pem'],
      certFile: files['client.pem'],
      keyFile: files['client.key'],
    };
    const settings = readNatsConnectionSettings(
      new ConfigReader({ servers: [nats.url], nkeySeed: seed, tls }),
    );
    try {
      await expectRoundTrip({ ...settings, stream: 'TLS_TEST' }, 'over-tls');

      const options = (extra: object) => ({
        ...settings,
        stream: 'TLS_TEST',
        ...extra,
      });
      const failure = (extra: object) =>
        NatsEventBus.connect(options(extra), logger).then(
          () => 'connected',
          error => String(error.message).replace(nats.url, '<url>'),
        );
      // No TLS settings: nats.js upgrades anyway and cannot verify the test CA's server certificate.
      expect(await failure({ tls: undefined })).toBe(
        'Could not connect to NATS at <url>: unable to verify the first certificate',
      );
      // A valid certificate but an nkey the server does not know; the seed is not in the message.
      const stranger = new TextDecoder().decode(createUser().getSeed());
      expect(await failure({ nkeySeed: stranger })).toBe(
        'Could not connect to NATS at <url>: Authorization Violation',
      );
      // The server's certificate checked against CAs that did not sign it.
      expect(
        await failure({
          tls: { ...tls, caFile: '/etc/ssl/certs/ca-certificates.crt' },
        }),
      ).toBe(
        'Could not connect to NATS at <url>: unable to verify the first certificate',
      );
    } finally {
      await nats.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('connects the bus with a .creds file (operator mode), and refuses a user its account did not sign', async () => {
    const setup = natsOperatorSetup();
    const nats = await startNatsServer({ config: setup.config });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-nats-creds-'));
    const logger = mockServices.logger.mock();
    try {
      const credsFile = path.join(dir, 'backstage.creds');
      fs.writeFileSync(credsFile, setup.userCreds(), { mode: 0o600 });
      const settings = readNatsConnectionSettings(
        new ConfigReader({ servers: [nats.url], credsFile }),
      );
      await expectRoundTrip(
        { ...settings, stream: 'CREDS_TEST' },
        'with-creds',
      );

      const forged = path.join(dir, 'forged.creds');
      fs.writeFileSync(forged, setup.userCreds(setup.strangerAccount), {
        mode: 0o600,
      });
      const error = await NatsEventBus.connect(
        { ...settings, credsFile: forged, stream: 'CREDS_TEST' },
        logger,
      ).catch(e => e);
      expect(String(error.message).replace(nats.url, '<url>')).toBe(
        'Could not connect to NATS at <url>: Authorization Violation',
      );
    } finally {
      await nats.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
