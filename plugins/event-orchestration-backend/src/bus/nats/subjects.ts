import { createHash } from 'node:crypto';

export const EVENTS_PREFIX = 'edo.events';
export const DEAD_LETTER_PREFIX = 'edo.deadletter';
/**
 * Re-driven dead letters go to `edo.redrive.<durable>`, read by a second durable
 * per subscriber (`edor_<name>`): nats-server 2.9 lets a consumer filter one
 * subject only, so the subscriber's own consumer cannot also take them.
 */
export const REDRIVE_PREFIX = 'edo.redrive';

/** Subjects carry the type's dots as tokens: `edo.events.alertmanager.alert`. */
export function subjectOf(type: string) {
  return `${EVENTS_PREFIX}.${type}`;
}

/** Durable names allow letters, digits, `-` and `_` only. */
export function durableName(name: string) {
  return `edo_${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export function redriveDurableName(name: string) {
  return `edor_${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Where a subscriber's re-driven dead letters are published. */
export function redriveSubject(durable: string) {
  return `${REDRIVE_PREFIX}.${durable}`;
}

/**
 * Where a subscriber's dead letter of one event is kept:
 * `edo.deadletter.<durable>.<hash of the event id>`, so a re-drive reads that
 * event's copies only. Copies made before this layout sit on
 * `edo.deadletter.<durable>` itself (`legacy`) and are still listed and re-driven.
 */
export function deadLetterSubjects(subscriber: string) {
  const legacy = `${DEAD_LETTER_PREFIX}.${durableName(subscriber)}`;
  return {
    legacy,
    all: `${legacy}.>`,
    of: (eventId: string) =>
      `${legacy}.${createHash('sha256')
        .update(eventId)
        .digest('hex')
        .slice(0, 32)}`,
  };
}
