import { createHmac } from 'node:crypto';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { parseForm, parseSlackRequest } from './slack';
import { CatalogSlackUsers } from './slackUsers';
import { WebhookSources, readWebhookSources } from './webhookSources';

describe('slack source configuration', () => {
  const read = (webhook: JsonObject) => () =>
    readWebhookSources(
      new ConfigReader({
        eventOrchestration: { sources: { webhooks: [webhook] } },
      }),
    );
  const exactlyOne =
    "eventOrchestration.sources.webhooks[0].auth must be slack.signingSecret (Slack signs its requests) or slack.verificationToken (Mattermost's slash commands), exactly one";

  it('takes a signing secret or a verification token, exactly one, and nothing else', () => {
    expect(
      read({
        name: 'slack',
        type: 'slack',
        auth: { slack: { signingSecret: 's' } },
      })(),
    ).toEqual([
      {
        name: 'slack',
        type: 'slack',
        auth: { kind: 'slack', signingSecret: 's', toleranceSeconds: 300 },
        maxBodyBytes: 1024 * 1024,
        rateLimit: undefined,
      },
    ]);
    expect(
      read({
        name: 'mm',
        type: 'slack',
        auth: { slack: { verificationToken: 't' } },
      })()[0].auth,
    ).toEqual({ kind: 'slack-token', verificationToken: 't' });
    expect(
      read({ name: 'slack', type: 'slack', auth: { bearerToken: 'x' } }),
    ).toThrow(exactlyOne);
    expect(
      read({
        name: 'slack',
        type: 'slack',
        auth: { slack: { signingSecret: 's', verificationToken: 't' } },
      }),
    ).toThrow(exactlyOne);
    expect(
      read({
        name: 'slack',
        type: 'slack',
        auth: { slack: { signingSecret: 's' }, hmac: { secret: 'h' } },
      }),
    ).toThrow(exactlyOne);
    expect(
      read({
        name: 'ci',
        type: 'generic',
        eventType: 'ci.image.pushed',
        auth: { bearerToken: 'x', slack: { signingSecret: 's' } },
      }),
    ).toThrow(
      'eventOrchestration.sources.webhooks[0].auth.slack is for sources of type slack, not generic',
    );
  });
});

describe('slack request parsing', () => {
  const command = {
    command: '/deploy-fix',
    text: 'restart payments',
    user_id: 'U1',
    user_name: 'alice',
    channel_id: 'C1',
    channel_name: 'ops',
    team_id: 'T1',
    response_url: 'https://hooks.slack.com/commands/1/2',
  };

  it('splits the text into args and refuses response URLs that are not http(s)', () => {
    expect(parseSlackRequest({ ...command, text: '  ' })).toMatchObject({
      kind: 'command',
      data: { text: '  ', args: [] },
    });
    expect(() =>
      parseSlackRequest({ ...command, response_url: 'file:///etc/passwd' }),
    ).toThrow(
      'Request body is not a Slack slash command: response_url: must be an http(s) URL',
    );
    expect(() =>
      parseSlackRequest({ ...command, command: 'deploy-fix' }),
    ).toThrow(
      'Request body is not a Slack slash command: command: must be like /deploy-fix',
    );
  });

  it('refuses a form field given twice', () => {
    expect(parseForm('a=1&b=2')).toEqual({ a: '1', b: '2' });
    expect(() => parseForm('a=1&a=2')).toThrow(
      "Form field 'a' is given more than once",
    );
  });
});

describe('Slack users in the catalog', () => {
  it('asks the catalog once per user within the cache time, with the plugin credentials', async () => {
    const calls: unknown[] = [];
    const catalog = {
      getEntities: async (req: unknown, options: unknown) => {
        calls.push([req, options]);
        return {
          items: [
            { kind: 'User', metadata: { name: 'alice', namespace: 'default' } },
          ],
        };
      },
    };
    const auth = {
      getOwnServiceCredentials: async () => ({ principal: 'self' }),
    };
    const users = new CatalogSlackUsers(catalog as any, auth as any);
    expect(await users.lookup('U1')).toEqual({
      kind: 'user',
      userRef: 'user:default/alice',
    });
    expect(await users.lookup('U1')).toEqual({
      kind: 'user',
      userRef: 'user:default/alice',
    });
    expect(calls).toEqual([
      [
        {
          filter: {
            kind: 'User',
            'metadata.annotations.slack.com/user-id': 'U1',
          },
          fields: ['kind', 'metadata.name', 'metadata.namespace'],
        },
        { credentials: { principal: 'self' } },
      ],
    ]);
  });
});

describe('a slack source when the catalog does not answer', () => {
  it('refuses with ServiceUnavailableError (503) and makes no event', async () => {
    const sources = new WebhookSources(
      readWebhookSources(
        new ConfigReader({
          eventOrchestration: {
            sources: {
              webhooks: [
                {
                  name: 'slack',
                  type: 'slack',
                  auth: { slack: { signingSecret: 'secret' } },
                },
              ],
            },
          },
        }),
      ),
      {
        slackUsers: {
          lookup: async () => {
            throw new Error('catalog unreachable');
          },
        },
      },
    );
    const body = Buffer.from(
      new URLSearchParams({
        command: '/deploy-fix',
        text: 'sync payments',
        user_id: 'U1',
        channel_id: 'C1',
        team_id: 'T1',
        response_url: 'https://hooks.slack.com/commands/1/2',
      }).toString(),
    );
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', 'secret')
      .update(`v0:${timestamp}:${body}`)
      .digest('hex')}`;
    await expect(
      sources.receive({
        sourceName: 'slack',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': signature,
        },
        body,
      }),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message:
        'The catalog cannot say which Backstage user Slack user U1 is (Error: catalog unreachable); retry later',
    });
  });
});
