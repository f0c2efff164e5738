import { Config } from '@backstage/config';
import {
  EVENT_TYPE_PATTERN,
  EventOrigin,
  EventOriginKind,
  describeOrigin,
  originSourceType,
} from '@edo/plugin-event-orchestration-common';

/** Who owns an event type: the sources it is accepted from by default. */
export interface EventTypeOwner {
  /** What an origin must be: its source type (`alertmanager`, `portal`, …). */
  sourceType: string;
  /** When set, only this configured source (by name) owns the type. */
  source?: string;
  /** How the owner reads in a reason: `Alertmanager webhooks`, `NATS subject source 'ci'`. */
  description: string;
}

/** A type pattern (`alertmanager.*` or an exact type) and who owns it. */
interface Ownership {
  pattern: string;
  owner: EventTypeOwner;
}

/** What the ownership table is built from (`eventOrchestration.sources`, schedules, portal). */
export interface OwnershipSources {
  webhooks: Array<
    | { name: string; type: 'alertmanager' | 'github' | 'slack' }
    | { name: string; type: 'generic'; eventType: string }
  >;
  natsSubjects: Array<{ name: string; eventType: string }>;
  schedules: Array<{ name: string; type: string }>;
  backstageEvents: Array<{ topic: string; eventType?: string }>;
  /** `eventOrchestration.portal.publishableTypes`: exact types or `prefix.*`. */
  portalPublishableTypes: string[];
}

/** The `type`s of webhook sources: an origin of kind webhook carries one as `sourceType`. */
const WEBHOOK_SOURCE_TYPES = ['alertmanager', 'github', 'generic', 'slack'];

/** Event types the built-in source types own, whatever is configured. */
const BUILTIN_OWNERS: Ownership[] = [
  {
    pattern: 'alertmanager.*',
    owner: { sourceType: 'alertmanager', description: 'Alertmanager webhooks' },
  },
  {
    pattern: 'github.*',
    owner: { sourceType: 'github', description: 'GitHub webhooks' },
  },
  {
    pattern: 'chatops.*',
    owner: { sourceType: 'slack', description: 'Slack webhooks' },
  },
  {
    pattern: 'portal.*',
    owner: { sourceType: 'portal', description: 'the portal' },
  },
  {
    pattern: 'orchestration.*',
    owner: { sourceType: 'orchestrator', description: 'the orchestrator' },
  },
  {
    pattern: 'schedule.*',
    owner: { sourceType: 'schedule', description: 'schedules' },
  },
  {
    pattern: 'kubernetes.*',
    owner: { sourceType: 'kubernetes', description: 'Kubernetes watches' },
  },
];

/** Whether `type` falls under `pattern` (an exact type or `prefix.*`). */
export function typeMatches(pattern: string, type: string): boolean {
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

const PUBLISHABLE_KEY = 'eventOrchestration.portal.publishableTypes';

/** Checks `eventOrchestration.portal.publishableTypes`; a bad entry stops startup. */
export function checkPortalPublishableTypes(types: string[]): string[] {
  types.forEach((entry, i) => {
    // `deploy.*` stands for deploy.<anything>: checked as one such type.
    const type = entry.endsWith('.*') ? `${entry.slice(0, -2)}.x` : entry;
    if (!EVENT_TYPE_PATTERN.test(type)) {
      throw new Error(
        `${PUBLISHABLE_KEY}[${i}] '${entry}' must be an event type such as ci.image.pushed, or a prefix such as deploy.*`,
      );
    }
  });
  return types;
}

const joinOr = (words: string[]) =>
  words.length <= 1
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;

/**
 * The ownership table: which source owns which event type. Built-in source
 * types own their prefixes (`alertmanager.*` Alertmanager webhooks, `github.*`
 * GitHub webhooks, `chatops.*` Slack webhooks, `portal.*` the portal, `orchestration.*` the orchestrator,
 * `schedule.*` schedules, `kubernetes.*` Kubernetes watches); a generic webhook,
 * NATS subject source, schedule or Backstage events topic owns the type it is
 * configured with; a type listed as publishable from the portal that no source
 * owns belongs to the portal; any other type to the orchestrator (what runs
 * publish with `event:publish`).
 */
export class EventOwnership {
  /**
   * Owners by event type: asked for every dependency of every candidate
   * sensor of every event. Bounded, as types come from senders.
   */
  private readonly ownersByType = new Map<string, EventTypeOwner[]>();

  private constructor(
    private readonly entries: Ownership[],
    private readonly portalPublishable: string[],
  ) {}

  /** Only the built-in prefixes: for tools that read no app-config (the sensors CLI). */
  static builtin(): EventOwnership {
    return new EventOwnership([...BUILTIN_OWNERS], []);
  }

  /** Builds the table; throws naming the key when a source claims another source type's prefix. */
  static fromSources(sources: OwnershipSources): EventOwnership {
    const entries: Ownership[] = [...BUILTIN_OWNERS];
    const claim = (type: string, owner: EventTypeOwner, where: string) => {
      const builtin = BUILTIN_OWNERS.find(b => typeMatches(b.pattern, type));
      if (builtin && builtin.owner.sourceType !== owner.sourceType) {
        throw new Error(
          `${where} '${type}' belongs to ${builtin.owner.description} (${builtin.pattern}); choose a type outside it`,
        );
      }
      entries.push({ pattern: type, owner });
    };
    sources.webhooks.forEach((webhook, i) => {
      if (webhook.type !== 'generic') return;
      claim(
        webhook.eventType,
        {
          sourceType: 'generic',
          source: webhook.name,
          description: `generic webhook '${webhook.name}'`,
        },
        `eventOrchestration.sources.webhooks[${i}].eventType`,
      );
    });
    sources.natsSubjects.forEach((nats, i) =>
      claim(
        nats.eventType,
        {
          sourceType: 'nats',
          source: nats.name,
          description: `NATS subject source '${nats.name}'`,
        },
        `eventOrchestration.sources.natsSubjects[${i}].eventType`,
      ),
    );
    sources.schedules.forEach((schedule, i) => {
      if (typeMatches('schedule.*', schedule.type)) return;
      claim(
        schedule.type,
        {
          sourceType: 'schedule',
          source: schedule.name,
          description: `schedule '${schedule.name}'`,
        },
        `eventOrchestration.schedules[${i}].type`,
      );
    });
    sources.backstageEvents.forEach((topic, i) => {
      // The bridge re-publishes what Backstage's events backend received and
      // checked (GitHub's signature, for the github topic): it owns its types,
      // and shares github.* with GitHub webhooks for the github topic.
      const owner = {
        sourceType: 'backstage-events',
        source: topic.topic,
        description: `Backstage events topic '${topic.topic}'`,
      };
      // A configured type is checked like any source's: a topic may not
      // claim alertmanager.* or portal.*.
      if (topic.eventType)
        claim(
          topic.eventType,
          owner,
          `eventOrchestration.sources.backstageEvents[${i}].eventType`,
        );
      else if (topic.topic === 'github')
        entries.push({ pattern: 'github.*', owner });
      else entries.push({ pattern: 'backstage.*', owner });
    });
    return new EventOwnership(entries, [
      ...checkPortalPublishableTypes(sources.portalPublishableTypes),
    ]);
  }

  /** The owners of a type; a type no source owns belongs to the orchestrator. */
  ownersOf(type: string): EventTypeOwner[] {
    let owners = this.ownersByType.get(type);
    if (!owners) {
      owners = this.findOwners(type);
      if (this.ownersByType.size >= 10_000) this.ownersByType.clear();
      this.ownersByType.set(type, owners);
    }
    return owners;
  }

  private findOwners(type: string): EventTypeOwner[] {
    const owners = this.entries
      .filter(e => typeMatches(e.pattern, type))
      .map(e => e.owner);
    if (owners.length > 0) return owners;
    if (this.portalPublishable.some(p => typeMatches(p, type))) {
      return [{ sourceType: 'portal', description: 'the portal' }];
    }
    return [{ sourceType: 'orchestrator', description: 'the orchestrator' }];
  }

  /**
   * The origin an event of `type` has when its (first) owner sends it: what a
   * dry run assumes for an event that carries none (pasted, or stored before
   * origins existed).
   */
  ownerOrigin(type: string): EventOrigin {
    const owner = this.ownersOf(type)[0];
    if (WEBHOOK_SOURCE_TYPES.includes(owner.sourceType)) {
      return {
        kind: 'webhook',
        source: owner.source ?? owner.sourceType,
        sourceType: owner.sourceType,
      };
    }
    return {
      kind: owner.sourceType as EventOriginKind,
      ...(owner.source ? { source: owner.source } : {}),
    };
  }

  /**
   * Whether `POST /events` may publish this type: `portal.*` and what
   * `eventOrchestration.portal.publishableTypes` lists. The refusal says why.
   */
  portalMayPublish(
    type: string,
  ): { allowed: true } | { allowed: false; reason: string } {
    if (
      typeMatches('portal.*', type) ||
      this.portalPublishable.some(p => typeMatches(p, type))
    ) {
      return { allowed: true };
    }
    const owners = this.ownersOf(type).map(o => o.description);
    return {
      allowed: false,
      reason: `Event type '${type}' may not be published from the portal: it belongs to ${joinOr(
        owners,
      )}; the portal publishes portal.* and the types ${PUBLISHABLE_KEY} lists`,
    };
  }

  /**
   * Whether a dependency accepts an event of `type` from `origin`: from what
   * its `sources:` names (source types or configured source names), or, when
   * it names none, from the owners of the type. An event without an origin is
   * never accepted. The refusal reads `came from portal user:default/alice,
   * accepts alertmanager.alert only from Alertmanager webhooks (…)`.
   */
  accepts(options: {
    type: string;
    origin: EventOrigin | undefined;
    sources?: string[];
  }): { accepted: true } | { accepted: false; reason: string } {
    const { type, origin, sources } = options;
    const owners = this.ownersOf(type);
    const sourceType = origin ? originSourceType(origin) : undefined;
    const accepted =
      origin !== undefined &&
      (sources
        ? sources.some(entry => entry === sourceType || entry === origin.source)
        : owners.some(
            owner =>
              owner.sourceType === sourceType &&
              (owner.source === undefined || owner.source === origin.source),
          ));
    if (accepted) return { accepted: true };
    // Worded only when refused: this runs for every dependency of every
    // candidate sensor of every event.
    return {
      accepted: false,
      reason: `came from ${describeOrigin(origin)}, accepts ${
        sources
          ? joinOr(sources)
          : `${type} only from ${joinOr(
              owners.map(o => o.description),
            )} (its owner; sources: widens this)`
      }`,
    };
  }
}

/**
 * The ownership table of this backend: the configured sources (as read by
 * `readOrchestrationConfig`) and `eventOrchestration.portal.publishableTypes`.
 * Throws naming the key when a source claims a built-in prefix or an entry is
 * not an event type.
 */
export function readEventOwnership(
  config: Config,
  sources: Omit<OwnershipSources, 'portalPublishableTypes'>,
): EventOwnership {
  return EventOwnership.fromSources({
    ...sources,
    portalPublishableTypes:
      config.getOptionalStringArray(PUBLISHABLE_KEY) ?? [],
  });
}
