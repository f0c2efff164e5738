/**
 * A CloudEvents 1.0 event as it travels through the suite.
 *
 * Extensions are lower-case attributes: `entityref` (one or more catalog refs),
 * `correlationid` and `actor` (the Backstage user or service that caused it).
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
