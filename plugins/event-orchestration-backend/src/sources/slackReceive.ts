import { InputError, ServiceUnavailableError } from '@backstage/errors';
import {
  acknowledgement,
  ephemeral,
  parseForm,
  parseSlackRequest,
  slackToEvents,
} from './slack';
import { SLACK_USER_ID_ANNOTATION, SlackUserDirectory } from './slackUsers';
import type { WebhookReceipt } from './webhookSources';

/**
 * An authenticated request to a slack source: its events, made by the
 * Backstage user the Slack user maps to, and the ephemeral answer Slack shows
 * that user. An unmapped user is told so and nothing is stored.
 */
export async function receiveSlack(options: {
  sourceName: string;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  users: SlackUserDirectory;
}): Promise<WebhookReceipt> {
  const contentType = (options.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    throw new InputError(
      `Webhook source '${options.sourceName}' takes application/x-www-form-urlencoded bodies (Slack's slash commands and interactivity), not '${contentType}'`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(options.rawBody);
  } catch {
    throw new InputError('Request body is not valid UTF-8');
  }
  const request = parseSlackRequest(parseForm(text));
  let mapping;
  try {
    mapping = await options.users.lookup(request.slackUserId);
  } catch (error) {
    throw new ServiceUnavailableError(
      `The catalog cannot say which Backstage user Slack user ${request.slackUserId} is (${error}); retry later`,
    );
  }
  if (mapping.kind !== 'user') {
    const why =
      mapping.kind === 'unmapped'
        ? `your Slack user is not linked to a Backstage user (annotation ${SLACK_USER_ID_ANNOTATION}: ${request.slackUserId} on your catalog User)`
        : `your Slack user is linked to more than one Backstage user (${mapping.userRefs.join(
            ', ',
          )} carry ${SLACK_USER_ID_ANNOTATION}: ${
            request.slackUserId
          }); ask your platform team to keep one`;
    return {
      events: [],
      reply: {
        status: 200,
        body: ephemeral(`Nothing was done: ${why}.`),
      },
    };
  }
  return {
    events: slackToEvents(request, {
      sourceName: options.sourceName,
      rawBody: options.rawBody,
      actor: mapping.userRef,
    }),
    reply: { status: 200, body: ephemeral(acknowledgement(request)) },
  };
}
