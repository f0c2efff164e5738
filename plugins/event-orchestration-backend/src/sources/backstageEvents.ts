import { createHash } from 'node:crypto';
import { Config } from '@backstage/config';
import { EventParams } from '@backstage/plugin-events-node';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';

/** A topic of Backstage's own EventsService, `eventOrchestration.sources.backstageEvents[]`. */
export interface BackstageEventsSource {
  topic: string;
  /** Default `backstage.<topic>`; for the `github` topic `github.<X-GitHub-Event>`. */
  eventType?: string;
}

/** Reads `eventOrchestration.sources.backstageEvents`. */
export function readBackstageEventsSources(
  config: Config,
): BackstageEventsSource[] {
  return (
    config.getOptionalConfigArray(
      'eventOrchestration.sources.backstageEvents',
    ) ?? []
  ).map(entry => ({
    topic: entry.getString('topic'),
    eventType: entry.getOptionalString('eventType'),
  }));
}

function header(
  metadata: EventParams['metadata'],
  name: string,
): string | undefined {
  const value = metadata?.[name] ?? metadata?.[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One event of Backstage's EventsService (for example a GitHub delivery that
 * `events-backend-module-github` received) as one of ours, so adopters who
 * already receive webhooks through Backstage's events backend reuse them.
 */
export function backstageEventToEvent(
  source: BackstageEventsSource,
  params: EventParams,
): OrchestrationEvent {
  const githubEvent = header(params.metadata, 'x-github-event');
  const type =
    source.eventType ??
    (params.topic === 'github' && githubEvent
      ? `github.${githubEvent}`
      : `backstage.${params.topic.replace(/[^a-z0-9.]/gi, '-').toLowerCase()}`);
  const payload = params.eventPayload as
    | { repository?: { full_name?: unknown } }
    | undefined;
  // The id comes from the payload only: X-GitHub-Delivery is not signed, and a
  // delivery replayed under a new one must stay a duplicate. The same bytes
  // parse to the same payload, so GitHub's own redeliveries are duplicates too.
  const delivery = header(params.metadata, 'x-github-delivery');
  const id = createHash('sha256')
    .update(JSON.stringify([params.topic, params.eventPayload]))
    .digest('hex')
    .slice(0, 40);
  const subject =
    typeof payload?.repository?.full_name === 'string'
      ? payload.repository.full_name
      : undefined;
  const event: OrchestrationEvent & { githubdelivery?: string } = {
    specversion: '1.0',
    id: `backstage-${params.topic}-${id}`,
    source: `/backstage-events/${params.topic}`,
    type,
    ...(subject ? { subject } : {}),
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: params.eventPayload,
    ...(delivery ? { githubdelivery: delivery } : {}),
    origin: { kind: 'backstage-events', source: params.topic },
  };
  return event;
}
