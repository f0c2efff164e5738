import { InputError } from '@backstage/errors';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';

/**
 * A GitHub webhook delivery becomes one event: `X-GitHub-Event` gives the type
 * (`github.push`, `github.pull_request`, …), `X-GitHub-Delivery` the id (so
 * GitHub's redeliveries are duplicates), the repository's full name the subject
 * (linked to entities through `github.com/project-slug`).
 */
export function githubToEvents(
  body: unknown,
  headers: Record<string, string | undefined>,
  options: { sourceName: string },
): OrchestrationEvent[] {
  const eventName = headers['x-github-event'];
  const delivery = headers['x-github-delivery'];
  if (!eventName || !/^[a-z_]{1,64}$/.test(eventName)) {
    throw new InputError('Missing or invalid X-GitHub-Event header');
  }
  if (!delivery || !/^[A-Za-z0-9-]{1,100}$/.test(delivery)) {
    throw new InputError('Missing or invalid X-GitHub-Delivery header');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError('A GitHub webhook body must be a JSON object');
  }
  const repository = (body as { repository?: { full_name?: unknown } })
    .repository;
  const subject =
    typeof repository?.full_name === 'string'
      ? repository.full_name
      : undefined;
  return [
    {
      specversion: '1.0',
      id: `github-${delivery}`,
      source: `/webhooks/${options.sourceName}`,
      type: `github.${eventName}`,
      ...(subject ? { subject } : {}),
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: body,
    },
  ];
}
