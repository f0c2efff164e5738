import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';

/**
 * The event this one re-sends: `origin.resendOf`, which only a source sets
 * (origins are server-set), on a new delivery of something it already
 * published under that id — Alertmanager repeating a still-firing alert. A
 * bus redelivery is the same event, not a re-send.
 */
export function resendOf(event: OrchestrationEvent): string | undefined {
  // Read defensively: `EventOrigin` (-common) does not declare it yet.
  const value = (event.origin as { resendOf?: unknown } | undefined)?.resendOf;
  return typeof value === 'string' && value !== '' && value !== event.id
    ? value
    : undefined;
}
