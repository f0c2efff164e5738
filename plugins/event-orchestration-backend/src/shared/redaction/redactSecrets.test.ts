import { ConfigReader } from '@backstage/config';
import {
  knownSecretValues,
  redactSecrets,
  redactUrl,
  scrubKnownSecrets,
  scrubText,
} from './redactSecrets';

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

describe('redactSecrets', () => {
  it('replaces the values of secret-looking keys, whatever their spelling', () => {
    expect(
      redactSecrets({
        access_token: 'at-1',
        refresh_token: 'rt-1',
        id_token: 'it-1',
        client_secret: 'cs-1',
        password: 'pw-1',
        apiKey: 'k-1',
        'X-Api-Key': 'k-2',
        headers: { Authorization: 'Bearer x', Cookie: 'session=1' },
        private_key: 'pk-1',
        data: {
          '.dockerconfigjson': { auths: { 'ghcr.io': { auth: 'x' } } },
          kubeconfig: 'apiVersion: v1',
        },
        token_type: 'Bearer',
        expires_in: 3600,
        secretName: 'registry-credentials',
        tokenUrl: 'https://auth.example.com/token',
        user: 'alice',
      }),
    ).toEqual({
      access_token: '***',
      refresh_token: '***',
      id_token: '***',
      client_secret: '***',
      password: '***',
      apiKey: '***',
      'X-Api-Key': '***',
      headers: { Authorization: '***', Cookie: '***' },
      private_key: '***',
      data: { '.dockerconfigjson': '***', kubeconfig: '***' },
      token_type: 'Bearer',
      expires_in: 3600,
      secretName: 'registry-credentials',
      tokenUrl: 'https://auth.example.com/token',
      user: 'alice',
    });
  });

  it('keeps a template that only names a secret, so definitions stay readable', () => {
    expect(
      redactSecrets({
        headers: {
          Authorization: 'Bearer ${{ secrets.slackToken }}',
          'X-Token': 'abc${{ secrets.slackToken }}',
        },
      }),
    ).toEqual({
      headers: {
        Authorization: 'Bearer ${{ secrets.slackToken }}',
        'X-Token': '***',
      },
    });
  });

  it('scrubs credentials recognised by their shape anywhere in text', () => {
    const pem = [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
      '-----END OPENSSH PRIVATE KEY-----',
    ].join('\n');
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const cases: Array<[string, string]> = [
      [`key:\n${pem}\nend`, 'key:\n***\nend'],
      [
        '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
        '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      ],
      [`token ${jwt} expired`, 'token *** expired'],
      [
        'pushed with ghp_16C7e42F292c6912E7710c838347Ae178B4a and gho_16C7e42F292c6912E7710c838347Ae178B4a',
        'pushed with *** and ***',
      ],
      ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', '***'],
      ['slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp', 'slack ***'],
      ['key AKIAIOSFODNN7EXAMPLE used', 'key *** used'],
      ['Authorization: Bearer abc.def-ghi', 'Authorization: ***'],
      ['sent "Basic dXNlcjpwYXNzd29yZA==" to it', 'sent "Basic ***" to it'],
      [
        "fatal: unable to access 'https://x-access-token:s3cr3t@github.com/org/repo.git/'",
        "fatal: unable to access 'https://***@github.com/org/repo.git/'",
      ],
      [
        'GET https://api.example.com/v1/items?token=abc123&page=2&sig=Zm9v&access_token=xyz#top',
        'GET https://api.example.com/v1/items?token=***&page=2&sig=***&access_token=***#top',
      ],
      [
        '{"access_token":"at-1","token_type":"bearer","password": "pw"}',
        '{"access_token":"***","token_type":"bearer","password": "***"}',
      ],
      ['password=hunter2 user=alice', 'password=*** user=alice'],
      [
        "dependency 'a': data.auth.token was `abc`, expected `x`",
        "dependency 'a': data.auth.token was `***`, expected `x`",
      ],
      ['the basic idea of a token bucket', 'the basic idea of a token bucket'],
    ];
    for (const [text, scrubbed] of cases) {
      expect(scrubText(text)).toBe(scrubbed);
    }
  });

  it('scrubs configured values and strips credentials from URLs', () => {
    expect(
      redactSecrets(
        {
          error: 'rejected configured-value-1',
          url: 'https://u:p@h.example/x',
        },
        ['configured-value-1'],
      ),
    ).toEqual({ error: 'rejected ***', url: 'https://***@h.example/x' });
    expect(redactUrl('ssh://git:pw@host:22/repo.git')).toBe(
      'ssh://***@host:22/repo.git',
    );
    expect(redactUrl('https://host/a?X-Amz-Signature=abc&b=1')).toBe(
      'https://host/a?X-Amz-Signature=***&b=1',
    );
  });

  it('scrubs 1 MB of hostile text completely, in one pass', () => {
    const hostile = [
      'eyJ'.repeat(350_000),
      `${'a'.repeat(1_000_000)}@`,
      `https://${':'.repeat(1_000_000)}@host`,
      'ghp_'.repeat(250_000),
      '-----BEGIN '.repeat(90_000),
      `-----BEGIN RSA PRIVATE KEY-----${'A'.repeat(1_000_000)}`,
      'password='.repeat(110_000),
      'Bearer '.repeat(140_000),
      `${'://'.repeat(300_000)}x:y@z`,
      `${'eyJa.'.repeat(200_000)}`,
      '"token"   :   '.repeat(70_000),
    ];
    const scrubbed = hostile.map(text => scrubText(text));
    expect(scrubbed[0]).toBe(hostile[0]);
    expect(scrubbed[1]).toBe(hostile[1]);
    expect(scrubbed[2]).toBe('https://***@host');
    expect(scrubbed[3]).toBe('***');
    expect(scrubbed[4]).toBe(hostile[4]);
    expect(scrubbed[5]).toBe('***');
    expect(scrubbed[6]).not.toContain('password=password');
    expect(scrubbed[7].length).toBeLessThan(hostile[7].length);
    expect(scrubbed[8].endsWith('://***@z')).toBe(true);
    expect(scrubbed[9]).toBe(hostile[9]);
    expect(scrubbed[10]).toContain('***');
  });

  it('stops at a bounded depth instead of following a deep value', () => {
    let deep: unknown = { password: 'pw' };
    for (let i = 0; i < 10_000; i++) deep = { next: deep };
    const redacted = JSON.stringify(redactSecrets(deep));
    expect(redacted).not.toContain('pw');
    expect(redacted).toContain('"[too deep]"');
  });
});
