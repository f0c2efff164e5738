/**
 * The kinds of ingress an event can arrive through, the `kind` of its
 * {@link EventOrigin}. `backstage-events` is Backstage's own EventsService.
 *
 * @public
 */
export const EVENT_ORIGIN_KINDS = [
  'webhook',
  'nats',
  'schedule',
  'kubernetes',
  'backstage-events',
  'portal',
  'orchestrator',
] as const;

/** One of {@link EVENT_ORIGIN_KINDS}. @public */
export type EventOriginKind = (typeof EVENT_ORIGIN_KINDS)[number];

/**
 * How an event arrived, set by the server that received it (the `origin`
 * extension attribute). Every source stamps it and overwrites whatever a sender
 * put there, so sensors can tell an Alertmanager webhook's alert from one a
 * portal user typed.
 *
 * @public
 */
export interface EventOrigin {
  kind: EventOriginKind;
  /**
   * The configured source it came through: the webhook source's or NATS subject
   * source's `name`, the schedule's `name`, the Kubernetes cluster's `name`, the
   * Backstage events topic. Unset for the portal and the orchestrator.
   */
  source?: string;
  /** Webhooks only: the source's `type`, `alertmanager`, `github`, `generic` or `slack`. */
  sourceType?: string;
  /**
   * Portal: the user or service that published it (as `actor`). Slack
   * webhooks: the Backstage user the chat user maps to.
   */
  actor?: string;
  /**
   * Portal only, for a user: what the user is and belongs to when they
   * published (their Backstage ownership refs: the user and their groups), so
   * a sensor can check a request against its requester — `event.data.owner in
   * event.origin.ownership`.
   */
  ownership?: string[];
  /** Orchestrator only: the run that published it, when a run did. */
  run?: string;
  /**
   * Orchestrator only: the portal users whose requests started the publishing
   * run (directly or through earlier runs), so that a chain of runs is still
   * theirs — they may not approve its approvals.
   */
  onBehalfOf?: string[];
  /**
   * Set with `actor` (portal) or `onBehalfOf` (orchestrator): the catalog
   * entities the requester's permissions were checked for — what the portal
   * request concerned, or the entities of the run that relayed it. A run it
   * starts may concern no other entity the catalog holds.
   */
  entityScope?: string[];
}

/**
 * The source type an origin stands for in a sensor's `sources:` list: a
 * webhook's `sourceType` (`alertmanager`, `github`, `generic`, `slack`), else its kind
 * (`nats`, `schedule`, `kubernetes`, `backstage-events`, `portal`,
 * `orchestrator`).
 *
 * @public
 */
export function originSourceType(origin: EventOrigin): string {
  return origin.kind === 'webhook' && origin.sourceType
    ? origin.sourceType
    : origin.kind;
}

/**
 * Says where an event came from in a sentence's words:
 * `alertmanager webhook 'alertmanager'`, `portal user:default/alice`.
 *
 * @public
 */
export function describeOrigin(origin: EventOrigin | undefined): string {
  if (!origin) return 'an unknown origin (the event carries none)';
  switch (origin.kind) {
    case 'webhook':
      return `${origin.sourceType ?? 'a'} webhook '${origin.source ?? '?'}'`;
    case 'nats':
      return `NATS subject source '${origin.source ?? '?'}'`;
    case 'schedule':
      return `schedule '${origin.source ?? '?'}'`;
    case 'kubernetes':
      return `Kubernetes watch of cluster '${origin.source ?? '?'}'`;
    case 'backstage-events':
      return `Backstage events topic '${origin.source ?? '?'}'`;
    case 'portal':
      return `portal ${origin.actor ?? '(unknown user)'}`;
    case 'orchestrator':
      return origin.run ? `orchestrator (run ${origin.run})` : 'orchestrator';
    default:
      return `unknown origin kind '${(origin as { kind: unknown }).kind}'`;
  }
}

/**
 * A CloudEvents 1.0 event as it travels through the suite.
 *
 * Extensions are lower-case attributes: `entityref` (one or more catalog refs),
 * `correlationid`, `actor` (the Backstage user or service that caused it) and
 * `origin` (how it arrived, set by the server; see {@link EventOrigin}).
 *
 * @public
 */
export interface OrchestrationEvent {
  specversion: '1.0';
  /** Unique per source; re-sent events keep their id so they are de-duplicated. */
  id: string;
  source: string;
  /** Dotted and lower-case, e.g. `alertmanager.alert`. */
  type: string;
  subject?: string;
  /** RFC 3339 timestamp of the occurrence. */
  time: string;
  datacontenttype?: string;
  data: unknown;
  entityref?: string | string[];
  correlationid?: string;
  actor?: string;
  /**
   * Set by the source that received the event, never by its sender. Events
   * stored before origins existed have none; no sensor accepts such an event.
   */
  origin?: EventOrigin;
}

/**
 * What an event type looks like: dotted and lower-case, at least two parts
 * (`alertmanager.alert`, `ci.image.pushed`). Every place that accepts a type
 * checks it against this. @public
 */
export const EVENT_TYPE_PATTERN = /^[a-z0-9]+(\.[a-z0-9_-]+)+$/;

/** Event types emitted by the built-in sources. @public */
export const EVENT_TYPES = {
  alertmanagerAlert: 'alertmanager.alert',
} as const;

/** Returns the `entityref` extension of an event as a list. @public */
export function eventEntityRefs(event: Pick<OrchestrationEvent, 'entityref'>) {
  if (!event.entityref) return [];
  return Array.isArray(event.entityref) ? event.entityref : [event.entityref];
}
