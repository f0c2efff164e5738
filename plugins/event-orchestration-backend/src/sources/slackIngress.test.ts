import { createHmac } from 'node:crypto';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Knex } from 'knex';
import request from 'supertest';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationPlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const MATTERMOST_TOKEN = 'xr3j5x3p4pfk7kq5s8mxzh7fqr';
const ALICE_SLACK_ID = 'U2147483697';
const TWIN_SLACK_ID = 'U0TWIN0001';
const databases = createTestDatabases();

type Backend = Awaited<ReturnType<typeof startTestBackend>>;

const user = (name: string, slackId?: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: {
    name,
    namespace: 'default',
    ...(slackId ? { annotations: { 'slack.com/user-id': slackId } } : {}),
  },
  spec: { memberOf: [] },
});

function startBackend(knex: Knex): Promise<Backend> {
  return startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogServiceMock.factory({
        entities: [
          user('alice', ALICE_SLACK_ID),
          user('bob'),
          user('twin-a', TWIN_SLACK_ID),
          user('twin-b', TWIN_SLACK_ID),
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'my-awesome-app', namespace: 'default' },
            spec: {
              type: 'service',
              lifecycle: 'production',
              owner: 'group:default/platform-team',
            },
          },
        ],
      }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          eventOrchestration: {
            sources: {
              webhooks: [
                {
                  name: 'slack',
                  type: 'slack',
                  auth: { slack: { signingSecret: SIGNING_SECRET } },
                },
                {
                  name: 'mattermost',
                  type: 'slack',
                  auth: { slack: { verificationToken: MATTERMOST_TOKEN } },
                },
              ],
            },
            sensors: [
              {
                // Picks the application to act on from the command's text.
                name: 'act-on-named-app',
                dependencies: [{ name: 'cmd', eventType: 'chatops.command' }],
                entity: '${{ event.data.args[1] }}',
                workflow: {
                  steps: [
                    { id: 'say', action: 'log', input: { message: 'x' } },
                  ],
                },
              },
              {
                name: 'deploy-fix',
                dependencies: [{ name: 'cmd', eventType: 'chatops.command' }],
                workflow: {
                  steps: [
                    {
                      id: 'approve',
                      action: 'approval:wait',
                      input: { prompt: '${{ event.data.text }}?' },
                    },
                  ],
                },
              },
            ],
          },
        },
      }),
    ],
  });
}

const slackSignature = (bytes: Buffer, timestamp: number) =>
  `v0=${createHmac('sha256', SIGNING_SECRET)
    .update(Buffer.concat([Buffer.from(`v0:${timestamp}:`), bytes]))
    .digest('hex')}`;

const slashCommandTriggerId = '13345224609.738474920.8088930838d88f008e0';

/** A slash command as Slack sends it (api.slack.com/interactivity/slash-commands). */
const slashCommand = (fields: Record<string, string> = {}) =>
  Buffer.from(
    new URLSearchParams({
      token: 'gIkuvaNzQIHg97ATvDxqgjtO',
      team_id: 'T0001',
      team_domain: 'example',
      channel_id: 'C2147483705',
      channel_name: 'ops',
      user_id: ALICE_SLACK_ID,
      user_name: 'alice',
      command: '/deploy-fix',
      text: 'rollback  my-awesome-app   bad deploy',
      api_app_id: 'A123456',
      response_url: 'https://hooks.slack.com/commands/1234/5678',
      trigger_id: slashCommandTriggerId,
      ...fields,
    }).toString(),
  );

describe.each(databases.eachSupportedId())('Slack source on %s', id => {
  let backend: Backend;
  let knex: Knex;
  beforeEach(async () => {
    knex = await databases.init(id);
    backend = await startBackend(knex);
  });
  afterEach(async () => {
    await backend.stop();
  });

  const post = (
    source: string,
    bytes: Buffer,
    headers: Record<string, string> = {},
  ) =>
    request(backend.server)
      .post(`/api/event-orchestration/webhooks/${source}`)
      .set({ 'Content-Type': 'application/x-www-form-urlencoded', ...headers })
      .serialize(body => body)
      .send(bytes);

  const signed = (
    bytes: Buffer,
    timestamp = Math.floor(Date.now() / 1000),
    signedBytes = bytes,
  ) =>
    post('slack', bytes, {
      'X-Slack-Request-Timestamp': String(timestamp),
      'X-Slack-Signature': slackSignature(signedBytes, timestamp),
    });

  const storedEvents = async (): Promise<OrchestrationEvent[]> =>
    (await knex('edo_events').orderBy('seq')).map(row =>
      JSON.parse(row.envelope),
    );

  it('turns a signed slash command into one chatops.command event made by the mapped Backstage user, acknowledged at once', async () => {
    const started = Date.now();
    const response = await signed(slashCommand());
    const elapsed = Date.now() - started;
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      response_type: 'ephemeral',
      text: 'Received `/deploy-fix rollback  my-awesome-app   bad deploy`; the orchestrator is on it.',
    });
    // Slack gives up after 3 s: the answer never waits for the run, which
    // here waits for an approval that nobody gives.
    expect(elapsed).toBeLessThan(3000);
    const [event] = await waitFor(async () => {
      const events = await storedEvents();
      return events.length ? events : undefined;
    }, 'the command to be stored');
    expect(event).toMatchObject({
      type: 'chatops.command',
      source: '/webhooks/slack',
      actor: 'user:default/alice',
      data: {
        command: '/deploy-fix',
        text: 'rollback  my-awesome-app   bad deploy',
        args: ['rollback', 'my-awesome-app', 'bad', 'deploy'],
        channel: { id: 'C2147483705', name: 'ops' },
        user: { id: ALICE_SLACK_ID, name: 'alice' },
        teamId: 'T0001',
        responseUrl: 'https://hooks.slack.com/commands/1234/5678',
        triggerId: '13345224609.738474920.8088930838d88f008e0',
      },
      origin: {
        kind: 'webhook',
        source: 'slack',
        sourceType: 'slack',
        actor: 'user:default/alice',
      },
    });
    expect(event.subject).toBeUndefined();
    // The signing token Slack also sends is not kept.
    expect(JSON.stringify(event)).not.toContain('gIkuvaNzQIHg97ATvDxqgjtO');
    const run = await waitFor(async () => {
      const [row] = await knex('edo_runs').where({ sensor: 'deploy-fix' });
      return row?.status === 'waiting' ? row : undefined;
    }, 'the run to wait for its approval');
    expect(JSON.parse(run.trigger_event_ids)).toEqual([event.id]);
  });

  it("starts no run about a catalog entity from a chat command: the chat user's permissions on it are not checked yet", async () => {
    expect((await signed(slashCommand())).status).toBe(200);
    const verdict = await waitFor(async () => {
      const [row] = await knex('edo_evaluations').where({
        sensor: 'act-on-named-app',
      });
      return row;
    }, 'the verdict');
    expect(verdict.matched).toBeFalsy();
    expect(verdict.reason).toContain(
      'rejected: the run would concern component:default/my-awesome-app, but user:default/alice published about no entity',
    );
    expect(
      await knex('edo_runs').where({ sensor: 'act-on-named-app' }),
    ).toEqual([]);
  });

  it('makes the chat user the requester of the run: they may not approve it themselves, another user may', async () => {
    expect((await signed(slashCommand())).status).toBe(200);
    const run = await waitFor(async () => {
      const [row] = await knex('edo_runs').where({ sensor: 'deploy-fix' });
      return row?.status === 'waiting' ? row : undefined;
    }, 'the run to wait for its approval');
    const approveAs = (userRef: string) =>
      request(backend.server)
        .post(`/api/event-orchestration/runs/${run.id}/approve`)
        .set('authorization', mockCredentials.user.header(userRef))
        .send({});
    const own = await approveAs('user:default/alice');
    expect(own.status).toBe(403);
    expect(own.body.error.message).toBe(
      'You started this run (user:default/alice); someone else must approve it (eventOrchestration.approvals.allowSelfApproval is off)',
    );
    expect((await approveAs('user:default/bob')).status).toBe(200);
  });

  it('takes a re-sent request (same signed bytes) as a duplicate: one event, one run', async () => {
    const bytes = slashCommand();
    const now = Math.floor(Date.now() / 1000);
    expect((await signed(bytes, now)).status).toBe(200);
    expect((await signed(bytes, now)).status).toBe(200);
    await waitFor(async () => {
      const [row] = await knex('edo_runs').where({ sensor: 'deploy-fix' });
      return row?.status === 'waiting' ? row : undefined;
    }, 'the run to wait for its approval');
    // Another invocation (a new trigger_id) is a new event. Events of one type
    // are delivered in order, so once its run exists the re-send was handled.
    expect(
      (await signed(slashCommand({ trigger_id: '2.2.2' }), now)).status,
    ).toBe(200);
    await waitFor(async () => {
      const rows = await knex('edo_runs').where({ sensor: 'deploy-fix' });
      return rows.length === 2 && rows.every(r => r.status === 'waiting')
        ? rows
        : undefined;
    }, 'the second invocation to start its run');
    const events = await storedEvents();
    expect(events).toHaveLength(2);
    expect(events.map(e => e.data)).toEqual([
      expect.objectContaining({ triggerId: slashCommandTriggerId }),
      expect.objectContaining({ triggerId: '2.2.2' }),
    ]);
  });

  it('checks the signature over the exact bytes sent, not over the form decoded and encoded again', async () => {
    // Slack encodes spaces as %20 here; URLSearchParams re-encodes them as '+'.
    const bytes = Buffer.from(
      slashCommand({ text: 'scale 3 caf\u00e9' })
        .toString()
        .replace(/\+/g, '%20'),
    );
    const reencoded = Buffer.from(
      new URLSearchParams(bytes.toString()).toString(),
    );
    expect(reencoded.equals(bytes)).toBe(false);
    const now = Math.floor(Date.now() / 1000);

    const overReencoded = await signed(bytes, now, reencoded);
    expect(overReencoded.status).toBe(401);
    expect(overReencoded.body.error.message).toBe(
      "Invalid signature in x-slack-signature for webhook source 'slack'",
    );
    expect(await storedEvents()).toEqual([]);

    const overBytes = await signed(bytes, now);
    expect(overBytes.status).toBe(200);
    const [event] = await waitFor(async () => {
      const events = await storedEvents();
      return events.length ? events : undefined;
    }, 'the command to be stored');
    expect(event.data).toMatchObject({
      text: 'scale 3 caf\u00e9',
      args: ['scale', '3', 'caf\u00e9'],
    });
  });

  it('refuses a stale or future timestamp and a bad or missing signature with 401, storing nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 301, now + 301]) {
      const response = await signed(slashCommand(), timestamp);
      expect(response.status).toBe(401);
      expect(response.body.error.message).toBe(
        "Timestamp in x-slack-request-timestamp is outside the replay window of 300 s for webhook source 'slack'",
      );
    }
    const badSignature = await post('slack', slashCommand(), {
      'X-Slack-Request-Timestamp': String(now),
      'X-Slack-Signature': slackSignature(Buffer.from('other'), now),
    });
    expect(badSignature.status).toBe(401);
    expect(badSignature.body.error.message).toBe(
      "Invalid signature in x-slack-signature for webhook source 'slack'",
    );
    const unsigned = await post('slack', slashCommand(), {
      'X-Slack-Request-Timestamp': String(now),
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.message).toBe(
      "Missing signature header x-slack-signature for webhook source 'slack'",
    );
    const noTimestamp = await post('slack', slashCommand());
    expect(noTimestamp.status).toBe(401);
    // The Mattermost token is no way into a signed source.
    const withToken = await post(
      'slack',
      slashCommand({ token: MATTERMOST_TOKEN }),
    );
    expect(withToken.status).toBe(401);
    expect(await storedEvents()).toEqual([]);
  });

  it('answers an unmapped or ambiguously mapped Slack user with an ephemeral message and stores nothing', async () => {
    const unmapped = await signed(slashCommand({ user_id: 'U0NOBODY' }));
    expect(unmapped.status).toBe(200);
    expect(unmapped.body).toEqual({
      response_type: 'ephemeral',
      text: 'Nothing was done: your Slack user is not linked to a Backstage user (annotation slack.com/user-id: U0NOBODY on your catalog User).',
    });
    const twin = await signed(slashCommand({ user_id: TWIN_SLACK_ID }));
    expect(twin.status).toBe(200);
    expect(twin.body).toEqual({
      response_type: 'ephemeral',
      text: `Nothing was done: your Slack user is linked to more than one Backstage user (user:default/twin-a, user:default/twin-b carry slack.com/user-id: ${TWIN_SLACK_ID}); ask your platform team to keep one.`,
    });
    // A mapped user's command is stored: nothing was left over from the others.
    await signed(slashCommand());
    const events = await waitFor(async () => {
      const stored = await storedEvents();
      return stored.length ? stored : undefined;
    }, 'the mapped command to be stored');
    expect(events.map(e => e.actor)).toEqual(['user:default/alice']);
  });

  it('refuses bodies that are not a Slack form with 400 and the reason', async () => {
    const json = Buffer.from(JSON.stringify({ command: '/deploy-fix' }));
    const now = Math.floor(Date.now() / 1000);
    const asJson = await request(backend.server)
      .post('/api/event-orchestration/webhooks/slack')
      .set({
        'Content-Type': 'application/json',
        'X-Slack-Request-Timestamp': String(now),
        'X-Slack-Signature': slackSignature(json, now),
      })
      .serialize(body => body)
      .send(json);
    expect(asJson.status).toBe(400);
    expect(asJson.body.error.message).toBe(
      "Webhook source 'slack' takes application/x-www-form-urlencoded bodies (Slack's slash commands and interactivity), not 'application/json'",
    );
    const noUser = await signed(
      Buffer.from('command=%2Fdeploy-fix&text=sync&team_id=T1&channel_id=C1'),
    );
    expect(noUser.status).toBe(400);
    expect(noUser.body.error.message).toMatch(
      /^Request body is not a Slack slash command: user_id: Required/,
    );
    const twice = await signed(
      Buffer.concat([slashCommand(), Buffer.from('&user_id=U0OTHER')]),
    );
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toBe(
      "Form field 'user_id' is given more than once",
    );
    const modal = await signed(
      Buffer.from(
        new URLSearchParams({
          payload: JSON.stringify({
            type: 'view_submission',
            user: { id: ALICE_SLACK_ID },
          }),
        }).toString(),
      ),
    );
    expect(modal.status).toBe(400);
    expect(modal.body.error.message).toBe(
      "Interaction type 'view_submission' is not supported; a Slack source takes slash commands and block_actions",
    );
    expect(await storedEvents()).toEqual([]);
  });

  it('turns a block_actions interaction (a clicked button) into a chatops.interaction event', async () => {
    // Trimmed from Slack's block_actions payload reference.
    const payload = {
      type: 'block_actions',
      user: {
        id: ALICE_SLACK_ID,
        username: 'alice',
        name: 'alice',
        team_id: 'T0001',
      },
      api_app_id: 'A123456',
      token: 'gIkuvaNzQIHg97ATvDxqgjtO',
      container: {
        type: 'message',
        message_ts: '1548261231.000200',
        channel_id: 'C2147483705',
        is_ephemeral: false,
      },
      trigger_id: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
      team: { id: 'T0001', domain: 'example' },
      channel: { id: 'C2147483705', name: 'ops' },
      response_url: 'https://hooks.slack.com/actions/T0001/1234/abcd',
      actions: [
        {
          action_id: 'approve',
          block_id: 'run-42',
          text: { type: 'plain_text', text: 'Approve', emoji: true },
          value: 'run-42',
          type: 'button',
          action_ts: '1548426417.840180',
        },
      ],
    };
    const response = await signed(
      Buffer.from(
        new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      ),
    );
    expect(response.status).toBe(200);
    const [event] = await waitFor(async () => {
      const events = await storedEvents();
      return events.length ? events : undefined;
    }, 'the interaction to be stored');
    expect(event).toMatchObject({
      type: 'chatops.interaction',
      actor: 'user:default/alice',
      origin: {
        kind: 'webhook',
        source: 'slack',
        sourceType: 'slack',
        actor: 'user:default/alice',
      },
    });
    expect(event.data).toEqual({
      type: 'block_actions',
      actionId: 'approve',
      value: 'run-42',
      blockId: 'run-42',
      channel: { id: 'C2147483705', name: 'ops' },
      user: { id: ALICE_SLACK_ID, name: 'alice' },
      teamId: 'T0001',
      responseUrl: 'https://hooks.slack.com/actions/T0001/1234/abcd',
      messageTs: '1548261231.000200',
      triggerId: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
    });
  });

  it("takes Mattermost's Slack-compatible slash commands with the command's token in the form", async () => {
    // Mattermost's outgoing slash command fields (developers.mattermost.com, slash commands).
    const mattermost = (token: string) =>
      Buffer.from(
        new URLSearchParams({
          channel_id: 'fdsafdsafdsafdsafdsafdsafd',
          channel_name: 'town-square',
          command: '/deploy-fix',
          response_url:
            'https://mattermost.example.com/hooks/commands/x3ko8h1b5jnfpmbzayk5mp3b9y',
          team_domain: 'example',
          team_id: 'rdc9bgriktyx9p4kowh3dmgqyc',
          text: 'sync my-awesome-app',
          token,
          trigger_id: 'ZXU4ZmJ5cTV0YnFhOGZqNnlleWM',
          user_id: ALICE_SLACK_ID,
          user_name: 'alice',
        }).toString(),
      );
    const wrong = await post('mattermost', mattermost('not-the-token'));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe(
      "Missing or invalid token in the form field 'token' for webhook source 'mattermost'",
    );
    expect(await storedEvents()).toEqual([]);
    const right = await post('mattermost', mattermost(MATTERMOST_TOKEN));
    expect(right.status).toBe(200);
    expect(right.body.response_type).toBe('ephemeral');
    const [event] = await waitFor(async () => {
      const events = await storedEvents();
      return events.length ? events : undefined;
    }, 'the Mattermost command to be stored');
    expect(event).toMatchObject({
      type: 'chatops.command',
      actor: 'user:default/alice',
      data: {
        command: '/deploy-fix',
        args: ['sync', 'my-awesome-app'],
        channel: { id: 'fdsafdsafdsafdsafdsafdsafd', name: 'town-square' },
        teamId: 'rdc9bgriktyx9p4kowh3dmgqyc',
      },
      origin: { source: 'mattermost', sourceType: 'slack' },
    });
    expect(JSON.stringify(event)).not.toContain(MATTERMOST_TOKEN);
  });
});
