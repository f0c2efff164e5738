import { randomBytes } from 'node:crypto';
import {
  KeyPair,
  createAccount,
  createOperator,
  createUser,
} from '@nats-io/nkeys';

/**
 * A decentralised-auth ("operator mode") setup for a test nats-server, built the
 * way `nsc` builds one: operator, system account, an account with JetStream, a
 * user, each a JWT signed with the issuer's nkey (header `ed25519-nkey`). The
 * server configuration preloads the accounts; the user gets a `.creds` file.
 */
const base64url = (data: Uint8Array | string) =>
  Buffer.from(data).toString('base64url');

function signedJwt(
  issuer: KeyPair,
  subject: string,
  name: string,
  nats: object,
): string {
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims = base64url(
    JSON.stringify({
      jti: base64url(randomBytes(16)).toUpperCase(),
      iat: Math.floor(Date.now() / 1000),
      iss: issuer.getPublicKey(),
      sub: subject,
      name,
      nats: { ...nats, version: 2 },
    }),
  );
  const signature = issuer.sign(
    new TextEncoder().encode(`${header}.${claims}`),
  );
  return `${header}.${claims}.${base64url(signature)}`;
}

const UNLIMITED = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
};

export function natsOperatorSetup() {
  const operator = createOperator();
  const system = createAccount();
  const account = createAccount();
  const accountJwt = (
    issuer: KeyPair,
    subject: KeyPair,
    name: string,
    jetStream: boolean,
  ) =>
    signedJwt(issuer, subject.getPublicKey(), name, {
      type: 'account',
      limits: {
        ...UNLIMITED,
        ...(jetStream
          ? { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 }
          : {}),
      },
    });
  const config = [
    `operator: "${signedJwt(
      operator,
      operator.getPublicKey(),
      'test-operator',
      {
        type: 'operator',
        system_account: system.getPublicKey(),
      },
    )}"`,
    `system_account: ${system.getPublicKey()}`,
    'resolver: MEMORY',
    'resolver_preload: {',
    `  ${system.getPublicKey()}: "${accountJwt(
      operator,
      system,
      'SYS',
      false,
    )}"`,
    `  ${account.getPublicKey()}: "${accountJwt(
      operator,
      account,
      'edo',
      true,
    )}"`,
    '}',
  ].join('\n');

  /** A `.creds` file's text for a new user of the account (or signed by `signer`). */
  const userCreds = (signer: KeyPair = account) => {
    const user = createUser();
    const jwt = signedJwt(signer, user.getPublicKey(), 'backstage', {
      type: 'user',
      pub: {},
      sub: {},
      subs: -1,
      data: -1,
      payload: -1,
    });
    const seed = new TextDecoder().decode(user.getSeed());
    return [
      '-----BEGIN NATS USER JWT-----',
      jwt,
      '------END NATS USER JWT------',
      '',
      '-----BEGIN USER NKEY SEED-----',
      seed,
      '------END USER NKEY SEED------',
      '',
    ].join('\n');
  };
  return { config, userCreds, strangerAccount: createAccount() };
}
