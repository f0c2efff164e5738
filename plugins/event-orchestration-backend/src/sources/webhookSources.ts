import { Config } from '@backstage/config';
import {
  AuthenticationError,
  InputError,
  NotFoundError,
} from '@backstage/errors';
import {
  OrchestrationEvent,
  formatIssuePath,
  parseDuration,
  EVENT_TYPE_PATTERN,
} from '@edo/plugin-event-orchestration-common';
import { z } from 'zod';
import {
  DEFAULT_SUBJECT_LABELS,
  alertmanagerPayloadSchema,
  alertmanagerToEvents,
} from './alertmanager';
import {
  GenericSourceOptions,
  genericToEvents,
  payloadTooLarge,
} from './generic';
import { githubToEvents } from './github';
import { WebhookAuth, checkWebhookAuth } from './webhookAuth';
import { receiveSlack } from './slackReceive';
import { SlackUserDirectory } from './slackUsers';
import { parsePath } from '../shared/paths';
import { RateLimitedError, TokenBucket } from './rateLimiter';

/** Deepest nesting of objects and arrays a webhook body may have. */
export const MAX_NESTING_DEPTH = 64;

/** Depth of nested objects/arrays, counted without recursion; stops past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push([child, level]);
  }
  return deepest;
}

/** Default largest body a webhook source accepts. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** A configured webhook source, `eventOrchestration.sources.webhooks[]`. */
export type WebhookSourceConfig = {
  name: string;
  auth: WebhookAuth;
  maxBodyBytes: number;
  /** Requests per period this source may send to one backend process. */
  rateLimit?: { max: number; perMs: number };
} & (
  | { type: 'alertmanager'; subjectLabels: string[] }
  | ({ type: 'generic' } & GenericSourceOptions)
  | { type: 'github' }
  | { type: 'slack' }
);

const SUPPORTED_TYPES = ['alertmanager', 'generic', 'github', 'slack'];

/** Slack's recommended replay window for its request timestamps: five minutes. */
const SLACK_TOLERANCE_SECONDS = 300;

function readSlackAuth(entry: Config, where: string): WebhookAuth {
  const slack = entry.getOptionalConfig('auth.slack');
  if (
    !slack ||
    entry.has('auth.bearerToken') ||
    entry.has('auth.hmac') ||
    slack.has('signingSecret') === slack.has('verificationToken')
  ) {
    throw new Error(
      `${where}.auth must be slack.signingSecret (Slack signs its requests) or slack.verificationToken (Mattermost's slash commands), exactly one`,
    );
  }
  const signingSecret = slack.getOptionalString('signingSecret');
  if (signingSecret)
    return {
      kind: 'slack',
      signingSecret,
      toleranceSeconds: SLACK_TOLERANCE_SECONDS,
    };
  return {
    kind: 'slack-token',
    verificationToken: slack.getString('verificationToken'),
  };
}

function readAuth(entry: Config, where: string, type: string): WebhookAuth {
  if (type === 'slack') return readSlackAuth(entry, where);
  if (entry.has('auth.slack')) {
    throw new Error(
      `${where}.auth.slack is for sources of type slack, not ${type}`,
    );
  }
  const bearerToken = entry.getOptionalString('auth.bearerToken');
  const hmac = entry.getOptionalConfig('auth.hmac');
  if (bearerToken && hmac) {
    throw new Error(
      `${where}.auth must have either bearerToken or hmac, not both`,
    );
  }
  if (hmac) {
    const algorithm = hmac.getOptionalString('algorithm') ?? 'sha256';
    if (!['sha1', 'sha256', 'sha512'].includes(algorithm)) {
      throw new Error(
        `${where}.auth.hmac.algorithm '${algorithm}' must be sha1, sha256 or sha512`,
      );
    }
    return {
      kind: 'hmac',
      secret: hmac.getString('secret'),
      header: (
        hmac.getOptionalString('header') ??
        (type === 'github' ? 'x-hub-signature-256' : 'x-signature')
      ).toLowerCase(),
      algorithm: algorithm as 'sha1' | 'sha256' | 'sha512',
      ...(hmac.getOptionalString('timestampHeader')
        ? {
            timestamp: {
              header: hmac.getString('timestampHeader').toLowerCase(),
              toleranceSeconds:
                hmac.getOptionalNumber('toleranceSeconds') ?? 300,
            },
          }
        : {}),
    };
  }
  if (type === 'github') {
    throw new Error(
      `${where}.auth.hmac.secret is required: GitHub signs its deliveries`,
    );
  }
  if (!bearerToken) {
    throw new Error(
      `${where}.auth needs bearerToken or hmac: webhook sources never accept unauthenticated senders`,
    );
  }
  return { kind: 'bearer', token: bearerToken };
}

function readRateLimit(entry: Config, where: string) {
  const limit = entry.getOptionalConfig('rateLimit');
  if (!limit) return undefined;
  const max = limit.getNumber('max');
  const per = limit.getString('per');
  const perMs = parseDuration(per);
  if (!Number.isInteger(max) || max < 1)
    throw new Error(`${where}.rateLimit.max must be a whole number ≥ 1`);
  if (perMs === undefined || perMs <= 0)
    throw new Error(
      `${where}.rateLimit.per '${per}' must be a duration such as 1m`,
    );
  return { max, perMs };
}

/** Reads and checks `eventOrchestration.sources.webhooks`; a bad entry stops startup. */
export function readWebhookSources(config: Config): WebhookSourceConfig[] {
  const entries =
    config.getOptionalConfigArray('eventOrchestration.sources.webhooks') ?? [];
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const where = `eventOrchestration.sources.webhooks[${i}]`;
    const name = entry.getString('name');
    if (!/^[a-z0-9][-a-z0-9_]*$/.test(name)) {
      throw new Error(
        `${where}.name '${name}' must be lower-case letters, digits, '-' or '_'`,
      );
    }
    if (seen.has(name)) {
      throw new Error(
        `${where}.name '${name}' is used by another webhook source`,
      );
    }
    seen.add(name);
    const type = entry.getString('type');
    if (!SUPPORTED_TYPES.includes(type)) {
      throw new Error(
        `${where}.type '${type}' is not supported; supported types: ${SUPPORTED_TYPES.join(
          ', ',
        )}`,
      );
    }
    const auth = readAuth(entry, where, type);
    const maxBodyBytes =
      entry.getOptionalNumber('maxBodyBytes') ?? DEFAULT_MAX_BODY_BYTES;
    const rateLimit = readRateLimit(entry, where);
    if (type === 'alertmanager') {
      return {
        name,
        type,
        auth,
        maxBodyBytes,
        rateLimit,
        subjectLabels:
          entry.getOptionalStringArray('subjectLabels') ??
          DEFAULT_SUBJECT_LABELS,
      };
    }
    if (type === 'generic') {
      const eventType = entry.getString('eventType');
      if (!EVENT_TYPE_PATTERN.test(eventType)) {
        throw new Error(
          `${where}.eventType '${eventType}' must be dotted lower-case, like ci.image.pushed`,
        );
      }
      const itemsPath = entry.getOptionalString('itemsPath');
      const maxItems = entry.getOptionalNumber('maxItems');
      if (itemsPath !== undefined && itemsPath !== '$') {
        try {
          parsePath(itemsPath);
        } catch (error) {
          throw new Error(`${where}.itemsPath: ${(error as Error).message}`);
        }
      }
      if (maxItems !== undefined && itemsPath === undefined) {
        throw new Error(
          `${where}.maxItems needs itemsPath: only a batched source carries items`,
        );
      }
      if (
        maxItems !== undefined &&
        (!Number.isInteger(maxItems) || maxItems < 1)
      ) {
        throw new Error(`${where}.maxItems must be a whole number ≥ 1`);
      }
      return {
        name,
        type,
        auth,
        maxBodyBytes,
        rateLimit,
        eventType,
        subjectPath: entry.getOptionalString('subjectPath'),
        idPath: entry.getOptionalString('idPath'),
        itemsPath,
        maxItems,
      };
    }
    if (type === 'slack') {
      return { name, type, auth, maxBodyBytes, rateLimit };
    }
    return { name, type: 'github' as const, auth, maxBodyBytes, rateLimit };
  });
}

function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map(issue => `${formatIssuePath(issue.path) || 'body'}: ${issue.message}`)
    .join('; ');
}

/** A request to `POST /webhooks/:source`. */
export interface WebhookRequest {
  sourceName: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The body as received; text stands for its UTF-8 bytes. */
  body: Buffer | string;
}

/** The events of a webhook request and, when the sender shows it to a person, the answer. */
export interface WebhookReceipt {
  events: OrchestrationEvent[];
  /** Sent once the events are durable; without it the route answers 202 with their ids. */
  reply?: { status: number; body: unknown };
}

/**
 * Turns an incoming webhook request into events. Throws the Backstage error whose
 * status the sender should see; nothing is published before all checks passed.
 */
export class WebhookSources {
  private readonly byName: Map<string, WebhookSourceConfig>;

  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    sources: WebhookSourceConfig[],
    private readonly options: {
      /** Who Slack users are in Backstage: needed by sources of type slack. */
      slackUsers?: SlackUserDirectory;
    } = {},
  ) {
    this.byName = new Map(sources.map(s => [s.name, s]));
    for (const source of sources) {
      if (source.rateLimit)
        this.buckets.set(
          source.name,
          new TokenBucket(source.rateLimit.max, source.rateLimit.perMs),
        );
    }
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The largest body any source accepts; the HTTP layer reads no more. */
  maxBodyBytes(): number {
    return Math.max(
      DEFAULT_MAX_BODY_BYTES,
      ...[...this.byName.values()].map(s => s.maxBodyBytes),
    );
  }

  toEvents(request: WebhookRequest): OrchestrationEvent[] {
    const { source, rawBody } = this.admit(request);
    if (source.type === 'slack') {
      // Its events need the catalog (who the Slack user is): see receive().
      throw new Error(
        `Webhook source '${source.name}' is a slack source; it is read by receive()`,
      );
    }
    return this.jsonToEvents(source, request, rawBody);
  }

  /**
   * What the route does with a request: the events to publish and, for senders
   * that show the answer to a person (Slack), the answer once they are durable.
   */
  async receive(request: WebhookRequest): Promise<WebhookReceipt> {
    const { source, rawBody } = this.admit(request);
    if (source.type !== 'slack') {
      return { events: this.jsonToEvents(source, request, rawBody) };
    }
    if (!this.options.slackUsers) {
      throw new Error(
        `Webhook source '${source.name}' needs a Slack user directory`,
      );
    }
    return receiveSlack({
      sourceName: source.name,
      headers: request.headers,
      rawBody,
      users: this.options.slackUsers,
    });
  }

  /** Finds the source and checks size, authentication and rate; throws the 4xx. */
  private admit(request: WebhookRequest) {
    const source = this.byName.get(request.sourceName);
    if (!source) {
      throw new NotFoundError(
        `No webhook source named '${request.sourceName}' is configured`,
      );
    }
    const rawBody =
      typeof request.body === 'string'
        ? Buffer.from(request.body, 'utf8')
        : request.body;
    if (rawBody.length > source.maxBodyBytes) {
      throw payloadTooLarge(
        `Request body exceeds ${source.maxBodyBytes} bytes, the limit of webhook source '${source.name}'`,
      );
    }
    const authFailure = checkWebhookAuth(source.auth, request.headers, rawBody);
    if (authFailure) {
      throw new AuthenticationError(
        `${authFailure} for webhook source '${source.name}'`,
      );
    }
    // Only authenticated requests count: strangers cannot spend a sender's budget.
    const verdict = this.buckets.get(source.name)?.take();
    if (verdict && !verdict.allowed) {
      throw new RateLimitedError(
        `Webhook source '${source.name}' allows ${
          source.rateLimit!.max
        } requests per ${source.rateLimit!.perMs / 1000} s; retry in ${
          verdict.retryAfterSeconds
        } s`,
        verdict.retryAfterSeconds,
      );
    }
    return { source, rawBody };
  }

  private jsonToEvents(
    source: Exclude<WebhookSourceConfig, { type: 'slack' }>,
    request: WebhookRequest,
    rawBody: Buffer,
  ): OrchestrationEvent[] {
    let text: string;
    try {
      // Strict: a lenient decoder would turn bytes nobody signed into U+FFFD.
      // A leading BOM is dropped, as JSON.parse would refuse it.
      text = new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
    } catch {
      throw new InputError(
        'Request body is not valid UTF-8 (JSON must be UTF-8, RFC 8259)',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new InputError(
        `Request body is not valid JSON: ${(error as Error).message}`,
      );
    }
    const depth = nestingDepth(json, MAX_NESTING_DEPTH);
    if (depth > MAX_NESTING_DEPTH) {
      // Deeper structures overflow the stack of recursive code downstream (schema
      // checks, templates, copies): refused here, with a reason, instead of a 500.
      throw new InputError(
        `Request body is nested deeper than ${MAX_NESTING_DEPTH} levels`,
      );
    }
    switch (source.type) {
      case 'alertmanager': {
        const parsed = alertmanagerPayloadSchema.safeParse(json);
        if (!parsed.success) {
          throw new InputError(
            `Request body is not an Alertmanager webhook payload (version 4): ${describeZodError(
              parsed.error,
            )}`,
          );
        }
        return alertmanagerToEvents(parsed.data, {
          sourceName: source.name,
          subjectLabels: source.subjectLabels,
        });
      }
      case 'generic':
        return genericToEvents(json, rawBody, {
          ...source,
          sourceName: source.name,
        });
      default:
        return githubToEvents(json, request.headers, {
          sourceName: source.name,
          rawBody,
        });
    }
  }
}
