import { ConfigReader } from '@backstage/config';
import { knownSecretValues, scrubKnownSecrets } from './redactSecrets';

describe('knownSecretValues', () => {
  it('collects every configured credential, the NATS ones included, and scrubs them from what is stored', () => {
    const seed = 'SUAF4EO6JJFVJUTZKJTAXDK3ZC6TFOSWEF6GGBJLVNGY5VDAOYX45MXRKY';
    const secrets = knownSecretValues(
      new ConfigReader({
        eventOrchestration: {
          bus: {
            nats: {
              servers: ['nats://127.0.0.1:4222'],
              token: 'nats-token-1',
              pass: 'nats-pass-1',
              nkeySeed: seed,
            },
          },
          sources: {
            webhooks: [
              {
                name: 'ci',
                type: 'generic',
                auth: { bearerToken: 'webhook-token-1' },
              },
            ],
          },
        },
      }),
    );
    expect(secrets.sort()).toEqual(
      ['nats-pass-1', 'nats-token-1', seed, 'webhook-token-1'].sort(),
    );
    expect(
      scrubKnownSecrets(
        { error: `connect failed with seed ${seed}`, logs: ['nats-token-1'] },
        secrets,
      ),
    ).toEqual({ error: 'connect failed with seed ***', logs: ['***'] });
  });
});
