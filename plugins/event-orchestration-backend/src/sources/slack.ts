import { createHash } from 'node:crypto';
import { InputError } from '@backstage/errors';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { z } from 'zod';

/** Slack's (and Mattermost's) user, channel and team ids: letters and digits. */
const chatId = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be a chat id');
const chatName = z.string().max(200).default('');
const callbackUrl = z
  .string()
  .url()
  .refine(url => /^https?:\/\//i.test(url), 'must be an http(s) URL');

/** The fields of a slash command Slack (or Mattermost) sends, form-encoded. */
const slashCommandSchema = z.object({
  command: z.string().regex(/^\/[^\s/]{1,64}$/, 'must be like /deploy-fix'),
  text: z.string().default(''),
  user_id: chatId,
  user_name: chatName,
  channel_id: chatId,
  channel_name: chatName,
  team_id: chatId,
  response_url: callbackUrl,
  trigger_id: z.string().max(200).optional(),
});

/** The part of a `block_actions` interaction payload the event keeps. */
const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({
    id: chatId,
    username: z.string().max(200).optional(),
    name: z.string().max(200).optional(),
  }),
  team: z.object({ id: chatId }).nullish(),
  channel: z.object({ id: chatId, name: chatName }).optional(),
  response_url: callbackUrl.optional(),
  trigger_id: z.string().max(200).optional(),
  container: z.object({ message_ts: z.string().max(64).optional() }).optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string().min(1).max(255),
        block_id: z.string().max(255).optional(),
        value: z.string().max(2000).optional(),
        type: z.string().max(64).optional(),
      }),
    )
    .min(1, 'must hold at least one action'),
});

/** `data` of a `chatops.command` event (the ChatOps contract of issue 19). */
export interface ChatCommandData {
  /** The slash command, e.g. `/deploy-fix`. */
  command: string;
  /** What the user typed after it. */
  text: string;
  /** `text` split on whitespace. */
  args: string[];
  channel: { id: string; name: string };
  user: { id: string; name: string };
  teamId: string;
  /** Where answers to this command go (Slack keeps it valid for 30 minutes). */
  responseUrl: string;
  triggerId?: string;
}

/** `data` of a `chatops.interaction` event: one clicked button or menu. */
export interface ChatInteractionData {
  type: 'block_actions';
  actionId: string;
  value?: string;
  blockId?: string;
  channel?: { id: string; name: string };
  user: { id: string; name: string };
  teamId?: string;
  responseUrl?: string;
  messageTs?: string;
  triggerId?: string;
}

/** A Slack request, parsed: what the user did, before it is mapped to a Backstage user. */
export type SlackRequest =
  | { kind: 'command'; slackUserId: string; data: ChatCommandData }
  | { kind: 'interaction'; slackUserId: string; data: ChatInteractionData[] };

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map(issue => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
}

/**
 * The form fields of a body; a field given twice is refused, since the two
 * readers of a form (ours and whoever reads it after us) may pick different ones.
 */
export function parseForm(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (Object.prototype.hasOwnProperty.call(fields, key)) {
      throw new InputError(`Form field '${key}' is given more than once`);
    }
    fields[key] = value;
  }
  return fields;
}

/**
 * Reads a slash command or an interactivity payload (`payload=` JSON of type
 * `block_actions`) from the form fields of an authenticated request.
 */
export function parseSlackRequest(
  fields: Record<string, string>,
): SlackRequest {
  if (fields.payload !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(fields.payload);
    } catch (error) {
      throw new InputError(
        `Form field 'payload' is not valid JSON: ${(error as Error).message}`,
      );
    }
    const type = (json as { type?: unknown } | null)?.type;
    if (type !== 'block_actions') {
      throw new InputError(
        `Interaction type '${String(
          type,
        )}' is not supported; a Slack source takes slash commands and block_actions`,
      );
    }
    const parsed = blockActionsSchema.safeParse(json);
    if (!parsed.success) {
      throw new InputError(
        `Form field 'payload' is not a Slack block_actions payload: ${describe(
          parsed.error,
        )}`,
      );
    }
    const p = parsed.data;
    const user = {
      id: p.user.id,
      name: p.user.username ?? p.user.name ?? '',
    };
    return {
      kind: 'interaction',
      slackUserId: p.user.id,
      data: p.actions.map(action => ({
        type: 'block_actions',
        actionId: action.action_id,
        ...(action.value !== undefined ? { value: action.value } : {}),
        ...(action.block_id !== undefined ? { blockId: action.block_id } : {}),
        ...(p.channel ? { channel: p.channel } : {}),
        user,
        ...(p.team?.id ? { teamId: p.team.id } : {}),
        ...(p.response_url ? { responseUrl: p.response_url } : {}),
        ...(p.container?.message_ts
          ? { messageTs: p.container.message_ts }
          : {}),
        ...(p.trigger_id ? { triggerId: p.trigger_id } : {}),
      })),
    };
  }
  const parsed = slashCommandSchema.safeParse(fields);
  if (!parsed.success) {
    throw new InputError(
      `Request body is not a Slack slash command: ${describe(parsed.error)}`,
    );
  }
  const c = parsed.data;
  return {
    kind: 'command',
    slackUserId: c.user_id,
    data: {
      command: c.command,
      text: c.text,
      args: c.text.split(/\s+/).filter(arg => arg !== ''),
      channel: { id: c.channel_id, name: c.channel_name },
      user: { id: c.user_id, name: c.user_name },
      teamId: c.team_id,
      responseUrl: c.response_url,
      ...(c.trigger_id ? { triggerId: c.trigger_id } : {}),
    },
  };
}

/**
 * The events of a Slack request made by `actor` (the Backstage user the Slack
 * user maps to). The id hashes the source and the signed bytes: a re-sent
 * request is a duplicate, while every invocation differs (its trigger_id and
 * response_url are new each time).
 */
export function slackToEvents(
  request: SlackRequest,
  options: { sourceName: string; rawBody: Buffer; actor: string },
): OrchestrationEvent[] {
  const digest = (index: number) =>
    createHash('sha256')
      .update(`${options.sourceName}\n${index}\n`)
      .update(options.rawBody)
      .digest('hex')
      .slice(0, 40);
  const origin = {
    kind: 'webhook' as const,
    source: options.sourceName,
    sourceType: 'slack',
    actor: options.actor,
  };
  const time = new Date().toISOString();
  const items: Array<{ type: string; data: unknown }> =
    request.kind === 'command'
      ? [{ type: 'chatops.command', data: request.data }]
      : request.data.map(data => ({ type: 'chatops.interaction', data }));
  return items.map((item, index) => ({
    specversion: '1.0',
    id: `slack-${digest(index)}`,
    source: `/webhooks/${options.sourceName}`,
    type: item.type,
    time,
    datacontenttype: 'application/json',
    data: item.data,
    actor: options.actor,
    origin,
  }));
}

/** Slack's message JSON for an answer only the user who typed the command sees. */
export function ephemeral(text: string) {
  return { response_type: 'ephemeral', text };
}

/** What the user who typed a command is told at once (Slack waits 3 s at most). */
export function acknowledgement(request: SlackRequest): string {
  if (request.kind === 'interaction') return 'Received.';
  const typed = [request.data.command, request.data.text]
    .filter(Boolean)
    .join(' ');
  return `Received \`${typed}\`; the orchestrator is on it.`;
}
