import { timingSafeEqual, createHash } from 'node:crypto';
import { Config } from '@backstage/config';
import {
  AuthenticationError,
  InputError,
  NotFoundError,
} from '@backstage/errors';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { formatIssuePath } from '@edo/plugin-event-orchestration-common';
import { z } from 'zod';
import {
  alertmanagerPayloadSchema,
  alertmanagerToEvents,
  DEFAULT_SUBJECT_LABELS,
} from './alertmanager';

/** A configured webhook source, `eventOrchestration.sources.webhooks[]`. */
export interface WebhookSourceConfig {
  name: string;
  type: 'alertmanager';
  bearerToken: string;
  subjectLabels: string[];
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
      throw new Error(`${where}.name '${name}' is used by another webhook source`);
    }
    seen.add(name);
    const type = entry.getString('type');
    if (type !== 'alertmanager') {
      throw new Error(
        `${where}.type '${type}' is not supported; supported types: alertmanager`,
      );
    }
    const bearerToken = entry.getOptionalString('auth.bearerToken');
    if (!bearerToken) {
      throw new Error(
        `${where}.auth.bearerToken is required: webhook sources never accept unauthenticated senders`,
      );
    }
    return {
      name,
      type,
      bearerToken,
      subjectLabels:
        entry.getOptionalStringArray('subjectLabels') ?? DEFAULT_SUBJECT_LABELS,
    };
  });
}

/** Constant-time comparison; hashing first makes lengths equal and hides them. */
function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map(issue => `${formatIssuePath(issue.path) || 'body'}: ${issue.message}`)
    .join('; ');
}

/**
 * Turns an incoming webhook request into events. Throws the Backstage error whose
 * status the sender should see; nothing is published before all checks passed.
 */
export class WebhookSources {
  private readonly byName: Map<string, WebhookSourceConfig>;

  constructor(sources: WebhookSourceConfig[]) {
    this.byName = new Map(sources.map(s => [s.name, s]));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  toEvents(request: {
    sourceName: string;
    authorization?: string;
    body: string;
  }): OrchestrationEvent[] {
    const source = this.byName.get(request.sourceName);
    if (!source) {
      throw new NotFoundError(
        `No webhook source named '${request.sourceName}' is configured`,
      );
    }
    const match = /^Bearer\s+(.+)$/i.exec(request.authorization ?? '');
    if (!match || !tokensEqual(match[1].trim(), source.bearerToken)) {
      throw new AuthenticationError(
        `Missing or invalid bearer token for webhook source '${source.name}'`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(request.body);
    } catch (error) {
      throw new InputError(
        `Request body is not valid JSON: ${(error as Error).message}`,
      );
    }
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
}
