import fs from 'node:fs';
import { Config } from '@backstage/config';
import {
  connect,
  credsAuthenticator,
  NatsConnection,
  nkeyAuthenticator,
  NodeConnectionOptions,
} from '@nats-io/transport-node';

/**
 * How to reach and authenticate to NATS, shared by the bus and the NATS subject
 * sources: `eventOrchestration.bus.nats` without the stream settings.
 */
export interface NatsConnectionSettings {
  servers: string[];
  token?: string;
  user?: string;
  pass?: string;
  /** An nkey user's seed (`SU…`). */
  nkeySeed?: string;
  /** A `.creds` file (user JWT and seed), as `nsc` writes it. */
  credsFile?: string;
  tls?: {
    caFile?: string;
    certFile?: string;
    keyFile?: string;
    handshakeFirst?: boolean;
  };
}

const KEY = 'eventOrchestration.bus.nats';

/** Reads and checks the connection part of `eventOrchestration.bus.nats`. */
export function readNatsConnectionSettings(
  nats: Config,
): NatsConnectionSettings {
  const servers = nats.getStringArray('servers');
  if (servers.length === 0)
    throw new Error(`${KEY}.servers must name at least one server`);
  const settings: NatsConnectionSettings = {
    servers,
    token: nats.getOptionalString('token'),
    user: nats.getOptionalString('user'),
    pass: nats.getOptionalString('pass'),
    nkeySeed: nats.getOptionalString('nkeySeed'),
    credsFile: nats.getOptionalString('credsFile'),
  };
  const ways = (['token', 'user', 'nkeySeed', 'credsFile'] as const).filter(
    k => settings[k] !== undefined,
  );
  if (ways.length > 1) {
    throw new Error(
      `${KEY} takes one way to authenticate; ${ways.join(
        ' and ',
      )} are both set`,
    );
  }
  if (settings.pass !== undefined && settings.user === undefined) {
    throw new Error(`${KEY}.pass needs user`);
  }
  if (
    settings.nkeySeed !== undefined &&
    !/^SU[A-Z2-7]{56}$/.test(settings.nkeySeed)
  ) {
    // Never echo the value: it is a secret.
    throw new Error(
      `${KEY}.nkeySeed must be an nkey user seed (58 characters starting with SU)`,
    );
  }
  const tls = nats.getOptionalConfig('tls');
  if (tls) {
    settings.tls = {
      caFile: tls.getOptionalString('caFile'),
      certFile: tls.getOptionalString('certFile'),
      keyFile: tls.getOptionalString('keyFile'),
      handshakeFirst: tls.getOptionalBoolean('handshakeFirst'),
    };
    if (
      (settings.tls.certFile === undefined) !==
      (settings.tls.keyFile === undefined)
    ) {
      throw new Error(
        `${KEY}.tls needs certFile and keyFile together (a client certificate and its key)`,
      );
    }
  }
  for (const [what, file] of [
    ['credsFile', settings.credsFile],
    ['tls.caFile', settings.tls?.caFile],
    ['tls.certFile', settings.tls?.certFile],
    ['tls.keyFile', settings.tls?.keyFile],
  ] as const) {
    if (file !== undefined && !fs.existsSync(file)) {
      throw new Error(`${KEY}.${what} '${file}' does not exist`);
    }
  }
  return settings;
}

/** nats.js connect options for the settings: authentication and TLS. */
export function natsConnectOptions(
  settings: NatsConnectionSettings,
): NodeConnectionOptions {
  const { servers, token, user, pass, nkeySeed, credsFile, tls } = settings;
  const encoder = new TextEncoder();
  return {
    servers,
    ...(token ? { token } : {}),
    ...(user ? { user, pass } : {}),
    ...(nkeySeed
      ? { authenticator: nkeyAuthenticator(encoder.encode(nkeySeed)) }
      : {}),
    // Read once at start: a rotated creds file takes effect on the next restart.
    ...(credsFile
      ? { authenticator: credsAuthenticator(fs.readFileSync(credsFile)) }
      : {}),
    ...(tls
      ? {
          tls: Object.fromEntries(
            Object.entries(tls).filter(([, value]) => value !== undefined),
          ),
        }
      : {}),
  };
}

/**
 * Connects with the settings plus `extra` options; a failure names the servers
 * and nats.js's reason (TLS, authorization, timeout), never the credentials.
 */
export async function connectNats(
  settings: NatsConnectionSettings,
  extra: NodeConnectionOptions,
): Promise<NatsConnection> {
  try {
    return await connect({ ...natsConnectOptions(settings), ...extra });
  } catch (error) {
    const reason = (error as Error).message;
    throw new Error(
      `Could not connect to NATS at ${settings.servers.join(', ')}: ${reason}${
        /timeout/i.test(reason)
          ? ' (no answer in time: is the server up, and does it require TLS or a client certificate this backend lacks?)'
          : ''
      }`,
    );
  }
}
