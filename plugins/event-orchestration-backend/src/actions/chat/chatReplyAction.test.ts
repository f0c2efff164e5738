import { mockServices } from '@backstage/backend-test-utils';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { createChatReplyAction } from './chatReplyAction';
import { ChatSettings } from './chatSettings';
import {
  makeSlackCertificate,
  startSlackStandIn,
  toLoopback,
  trustCertificate,
} from './__testUtils__/slackStandIn';

jest.setTimeout(30_000);

function commandEvent(responseUrl: string): OrchestrationEvent {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: 'slack',
    type: 'chatops.command',
    time: '2026-12-02T12:00:00Z',
    data: {
      command: '/deploy-fix',
      text: 'rollback payments',
      args: ['rollback', 'payments'],
      channel: { id: 'C0123456789', name: 'ops' },
      user: { id: 'U0123ABCD', name: 'alice' },
      teamId: 'T0001',
      responseUrl,
    },
  } as OrchestrationEvent;
}

/** Runs the action as the run engine does, with the triggering events. */
async function reply(
  settings: ChatSettings,
  input: Record<string, unknown>,
  events: OrchestrationEvent[] = [],
) {
  const action = createChatReplyAction(settings);
  const output: Record<string, unknown> = {};
  await action.handler({
    input: action.schema.input.parse(input),
    logger: mockServices.logger.mock(),
    events,
    entityRefs: [],
    runId: 'run-1',
    stepId: 'reply',
    idempotencyKey: 'run-1:reply',
    signal: new AbortController().signal,
    output: (name, value) => {
      output[name] = value;
    },
  });
  return output;
}

describe('chat:reply', () => {
  const certificate = makeSlackCertificate();
  let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
  const settings: ChatSettings = {
    allowedCidrs: ['127.0.0.1/32'],
    resolve: toLoopback,
  };

  beforeAll(() => trustCertificate(certificate.cert));
  afterAll(() => jest.restoreAllMocks());
  afterEach(() => slack?.close());

  it("posts Slack's message JSON, in_channel, to the triggering event's responseUrl", async () => {
    slack = await startSlackStandIn(certificate, () => ({
      status: 200,
      body: 'ok',
    }));
    const responseUrl = `https://hooks.slack.com:${slack.port}/commands/T0001/1234/abcd`;
    const output = await reply(
      settings,
      { text: 'Rolling back payments, as asked by alice' },
      [commandEvent(responseUrl)],
    );
    expect(output).toEqual({ via: 'response_url' });
    expect(slack.received).toHaveLength(1);
    const [request] = slack.received;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/commands/T0001/1234/abcd');
    expect(request.headers['content-type']).toBe(
      'application/json; charset=utf-8',
    );
    expect(JSON.parse(request.body)).toEqual({
      text: 'Rolling back payments, as asked by alice',
      response_type: 'in_channel',
    });
  });

  it('posts blocks with the text to an explicit responseUrl', async () => {
    slack = await startSlackStandIn(certificate, () => ({
      status: 200,
      body: 'ok',
    }));
    const blocks = [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*payments* rolled back' },
      },
    ];
    await reply(
      settings,
      {
        text: 'payments rolled back',
        blocks,
        responseUrl: `https://hooks.slack.com:${slack.port}/commands/T0001/9/x`,
      },
      [commandEvent('https://hooks.slack.com/commands/T0001/1/other')],
    );
    expect(slack.received.map(r => r.path)).toEqual(['/commands/T0001/9/x']);
    expect(JSON.parse(slack.received[0].body)).toEqual({
      text: 'payments rolled back',
      blocks,
      response_type: 'in_channel',
    });
  });

  it('fails the step with what Slack answered when the response URL is expired', async () => {
    slack = await startSlackStandIn(certificate, () => ({
      status: 404,
      body: 'expired_url',
    }));
    await expect(
      reply(settings, { text: 'late' }, [
        commandEvent(
          `https://hooks.slack.com:${slack.port}/commands/T0001/1/a`,
        ),
      ]),
    ).rejects.toThrow(
      `the response URL on https://hooks.slack.com:${slack.port} answered 404: expired_url`,
    );
  });

  it.each([
    [
      'an http URL',
      (port: number) => `http://hooks.slack.com:${port}/commands/T/1/a`,
      'chat:reply refused the response URL: http: URLs are not allowed, only https',
    ],
    [
      'another host',
      (port: number) => `https://evil.example.com:${port}/collect`,
      'chat:reply refused evil.example.com: not in eventOrchestration.chat.allowedHosts',
    ],
    [
      'a host that only ends like Slack',
      (port: number) => `https://hooks.slack.com.evil.example:${port}/x`,
      'chat:reply refused hooks.slack.com.evil.example: not in eventOrchestration.chat.allowedHosts',
    ],
    [
      'a loopback address',
      (port: number) => `https://127.0.0.1:${port}/x`,
      'chat:reply refused 127.0.0.1: not in eventOrchestration.chat.allowedHosts',
    ],
    [
      'the cloud metadata address',
      () => 'https://169.254.169.254/latest/meta-data/',
      'chat:reply refused 169.254.169.254: not in eventOrchestration.chat.allowedHosts',
    ],
    [
      'credentials in the URL',
      (port: number) => `https://user:pw@hooks.slack.com:${port}/x`,
      'chat:reply refused the response URL: it must not contain credentials',
    ],
    [
      'not a URL',
      () => 'hooks.slack.com/x',
      'chat:reply refused the response URL: not a URL',
    ],
  ])(
    'refuses a hostile responseUrl in the event (%s) without connecting',
    async (_what, url, reason) => {
      slack = await startSlackStandIn(certificate, () => ({
        status: 200,
        body: 'ok',
      }));
      await expect(
        reply(settings, { text: 'hi' }, [commandEvent(url(slack.port))]),
      ).rejects.toThrow(reason);
      expect(slack.connections()).toBe(0);
    },
  );

  it('refuses hooks.slack.com when it resolves to a private address not allowed', async () => {
    slack = await startSlackStandIn(certificate, () => ({
      status: 200,
      body: 'ok',
    }));
    await expect(
      reply({ resolve: toLoopback }, { text: 'hi' }, [
        commandEvent(`https://hooks.slack.com:${slack.port}/commands/T/1/a`),
      ]),
    ).rejects.toThrow(
      'chat:reply refused 127.0.0.1 (loopback address) for hooks.slack.com; allow it with eventOrchestration.chat.allowedCidrs',
    );
    expect(slack.connections()).toBe(0);
  });

  it('says so when there is nowhere to post', async () => {
    await expect(reply(settings, { text: 'hi' })).rejects.toThrow(
      'chat:reply has nowhere to post: the triggering event has no data.responseUrl; give responseUrl or channel',
    );
  });

  it('calls chat.postMessage with the bot token for a channel, and reports channel and ts', async () => {
    slack = await startSlackStandIn(undefined, () => ({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify({
        ok: true,
        channel: 'C0123456789',
        ts: '1764676800.000100',
        message: { text: 'payments rolled back' },
      }),
    }));
    const output = await reply(
      {
        allowedCidrs: ['127.0.0.1/32'],
        slack: {
          botToken: 'xoxb-test-token',
          apiBaseUrl: `http://127.0.0.1:${slack.port}/api`,
        },
      },
      { channel: 'C0123456789', text: 'payments rolled back' },
      [commandEvent('https://hooks.slack.com/commands/T0001/1/a')],
    );
    expect(output).toEqual({
      via: 'chat.postMessage',
      channel: 'C0123456789',
      ts: '1764676800.000100',
    });
    expect(slack.received).toHaveLength(1);
    const [request] = slack.received;
    expect(request.path).toBe('/api/chat.postMessage');
    expect(request.headers.authorization).toBe('Bearer xoxb-test-token');
    expect(request.headers['content-type']).toBe(
      'application/json; charset=utf-8',
    );
    expect(JSON.parse(request.body)).toEqual({
      channel: 'C0123456789',
      text: 'payments rolled back',
    });
  });

  it("fails with Slack's error when chat.postMessage answers ok: false", async () => {
    slack = await startSlackStandIn(undefined, () => ({
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ ok: false, error: 'channel_not_found' }),
    }));
    await expect(
      reply(
        {
          allowedCidrs: ['127.0.0.1/32'],
          slack: {
            botToken: 'xoxb-test-token',
            apiBaseUrl: `http://127.0.0.1:${slack.port}/api`,
          },
        },
        { channel: 'C0NOPE', text: 'hi' },
      ),
    ).rejects.toThrow('chat.postMessage to C0NOPE failed: channel_not_found');
  });

  it('refuses a channel without a configured bot token', async () => {
    await expect(
      reply(settings, { channel: 'ops', text: 'hi' }),
    ).rejects.toThrow(
      'chat:reply cannot post to channel ops: no bot token is configured (eventOrchestration.chat.slack.botToken)',
    );
  });

  it('bounds its input: channel names, text length, responseUrl with channel', () => {
    const action = createChatReplyAction(settings);
    const problems = (input: Record<string, unknown>) => {
      const parsed = action.schema.input.safeParse(input);
      return parsed.success
        ? undefined
        : parsed.error.issues.map(i => i.message);
    };
    expect(problems({ text: 'hi', channel: '../../admin' })).toEqual([
      'must be a Slack channel id (C0123ABCD) or name',
    ]);
    expect(problems({ text: 'x'.repeat(4001) })).toEqual([
      'String must contain at most 4000 character(s)',
    ]);
    expect(problems({ text: '' })).toEqual([
      'String must contain at least 1 character(s)',
    ]);
    expect(
      problems({
        text: 'hi',
        channel: 'ops',
        responseUrl: 'https://hooks.slack.com/x',
      }),
    ).toEqual(['give responseUrl or channel, not both']);
    expect(problems({ text: 'hi', extra: 1 })).toEqual([
      "Unrecognized key(s) in object: 'extra'",
    ]);
  });
});
