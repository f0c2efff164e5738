import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { NotAllowedError } from '@backstage/errors';
import { Dispatcher, request } from 'undici';
import { z } from 'zod';
import {
  OutboundPolicy,
  createOutboundAgent,
  readCappedBody,
} from '../../shared/http';
import { ChatSettings, SLACK_API_BASE_URL } from './chatSettings';
import { examples } from './chatReplyAction.examples';

const MAX_ANSWER_BYTES = 16 * 1024;
const TIMEOUT_MS = 10_000;
const MAX_BLOCKS_JSON = 50_000;
const CONFIG_PREFIX = 'eventOrchestration.chat';

/** A Slack channel id (C0123…) or name, with or without `#`. */
const channelName = z
  .string()
  .regex(
    /^#?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/,
    'must be a Slack channel id (C0123ABCD) or name',
  );

/** The response_url of the first triggering event that has one. */
function eventResponseUrl(events: Array<{ data?: unknown }>) {
  for (const event of events) {
    const url = (event.data as { responseUrl?: unknown } | undefined)
      ?.responseUrl;
    if (typeof url === 'string') return url;
  }
  return undefined;
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  dispatcher: Dispatcher,
  signal: AbortSignal,
) {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
    dispatcher,
    signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
  });
  const { bytes } = await readCappedBody(response.body, MAX_ANSWER_BYTES);
  return { status: response.statusCode, text: bytes.toString('utf8') };
}

/**
 * `chat:reply`: answers in chat. By default it posts Slack's message JSON to the
 * `responseUrl` of the triggering event (a `chatops.command`); with `channel`
 * it calls Slack's `chat.postMessage` with the configured bot token.
 *
 * A response URL comes from a request body, so it is hostile: only https URLs
 * on `eventOrchestration.chat.allowedHosts` (default `hooks.slack.com`) are
 * called, and every connection passes the outbound policy (addresses checked
 * after DNS, private ranges refused unless `allowedCidrs` allows them). Plain
 * HTTP through the SSRF-checking agent rather than `@slack/web-api`: the SDK is
 * not in the tree and its axios transport would bypass that agent.
 */
export function createChatReplyAction(settings: ChatSettings = {}) {
  const responseUrlPolicy = new OutboundPolicy({
    allowedHosts: settings.allowedHosts ?? ['hooks.slack.com'],
    allowedCidrs: settings.allowedCidrs,
    subject: 'chat:reply',
    configPrefix: CONFIG_PREFIX,
  });
  const apiBaseUrl = settings.slack?.apiBaseUrl ?? SLACK_API_BASE_URL;
  const apiPolicy = new OutboundPolicy({
    allowedHosts: [new URL(apiBaseUrl).hostname],
    allowedCidrs: settings.allowedCidrs,
    subject: 'chat:reply',
    configPrefix: CONFIG_PREFIX,
  });
  // Created on first use: an agent holds sockets, and most backends never reply in chat.
  let responseUrlAgent: Dispatcher | undefined;
  let apiAgent: Dispatcher | undefined;

  return createOrchestrationAction({
    id: 'chat:reply',
    description:
      "Posts a message in chat: to the triggering event's `responseUrl` (a Slack or Mattermost " +
      'slash command) by default, to `responseUrl` when given, or to `channel` through Slack’s ' +
      '`chat.postMessage` with `eventOrchestration.chat.slack.botToken`. Response URLs must be ' +
      'https on `eventOrchestration.chat.allowedHosts` (default `hooks.slack.com`); other URLs ' +
      'fail the step without a request.',
    examples,
    schema: {
      input: z
        .object({
          text: z
            .string()
            .min(1)
            .max(4000)
            .describe(
              'The message (Slack mrkdwn); also the fallback of blocks',
            ),
          responseUrl: z
            .string()
            .max(2048)
            .optional()
            .describe(
              "Slack's response_url; default the triggering event's data.responseUrl",
            ),
          channel: channelName
            .optional()
            .describe('Post to this channel with the bot token instead'),
          blocks: z
            .array(z.record(z.unknown()))
            .max(50)
            .refine(
              b => JSON.stringify(b).length <= MAX_BLOCKS_JSON,
              `must be at most ${MAX_BLOCKS_JSON} characters as JSON`,
            )
            .optional()
            .describe('Slack Block Kit blocks'),
        })
        .strict()
        .refine(i => !(i.responseUrl && i.channel), {
          message: 'give responseUrl or channel, not both',
        }),
      output: z.object({
        via: z.enum(['response_url', 'chat.postMessage']),
        channel: z.string().optional(),
        ts: z.string().optional(),
      }),
    },
    async handler(ctx) {
      const { text, blocks, channel } = ctx.input;
      const message = {
        text,
        ...(blocks ? { blocks } : {}),
      };

      if (channel) {
        const token = settings.slack?.botToken;
        if (!token) {
          throw new Error(
            `chat:reply cannot post to channel ${channel}: no bot token is configured (${CONFIG_PREFIX}.slack.botToken)`,
          );
        }
        apiAgent ??= createOutboundAgent(apiPolicy, settings.resolve);
        ctx.logger.info(`chat.postMessage to ${channel}`);
        const answer = await post(
          `${apiBaseUrl}/chat.postMessage`,
          { channel, ...message },
          { authorization: `Bearer ${token}` },
          apiAgent,
          ctx.signal,
        );
        let parsed: {
          ok?: boolean;
          error?: string;
          channel?: string;
          ts?: string;
        } = {};
        try {
          parsed = JSON.parse(answer.text);
        } catch {
          // not JSON: reported below
        }
        // The Web API answers 200 with {"ok": false, "error": "..."} when it refuses.
        if (answer.status !== 200 || parsed.ok !== true) {
          throw new Error(
            `chat.postMessage to ${channel} failed: ${
              parsed.error ??
              `answered ${answer.status}: ${answer.text.slice(0, 300)}`
            }`,
          );
        }
        ctx.output('via', 'chat.postMessage');
        if (parsed.channel) ctx.output('channel', parsed.channel);
        if (parsed.ts) ctx.output('ts', parsed.ts);
        return;
      }

      const url = ctx.input.responseUrl ?? eventResponseUrl(ctx.events);
      if (!url) {
        throw new Error(
          'chat:reply has nowhere to post: the triggering event has no data.responseUrl; give responseUrl or channel',
        );
      }
      let parsedUrl: URL;
      try {
        parsedUrl = new URL(url);
      } catch {
        throw new NotAllowedError(
          'chat:reply refused the response URL: not a URL',
        );
      }
      if (parsedUrl.protocol !== 'https:') {
        throw new NotAllowedError(
          `chat:reply refused the response URL: ${parsedUrl.protocol} URLs are not allowed, only https`,
        );
      }
      if (parsedUrl.username || parsedUrl.password) {
        throw new NotAllowedError(
          'chat:reply refused the response URL: it must not contain credentials',
        );
      }
      const verdict = responseUrlPolicy.checkUrl(url);
      if (!verdict.allowed) throw new NotAllowedError(verdict.reason);
      responseUrlAgent ??= createOutboundAgent(
        responseUrlPolicy,
        settings.resolve,
      );
      // The origin only: the path of a response URL is a credential.
      ctx.logger.info(`posting to the response URL on ${parsedUrl.origin}`);
      const answer = await post(
        url,
        { ...message, response_type: 'in_channel' },
        {},
        responseUrlAgent,
        ctx.signal,
      );
      if (answer.status < 200 || answer.status >= 300) {
        throw new Error(
          `the response URL on ${parsedUrl.origin} answered ${
            answer.status
          }: ${answer.text.slice(0, 300)}`,
        );
      }
      ctx.output('via', 'response_url');
    },
  });
}
