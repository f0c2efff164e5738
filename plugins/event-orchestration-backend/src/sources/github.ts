import { createHash } from 'node:crypto';
import { InputError } from '@backstage/errors';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';

/**
 * Top-level keys that GitHub's documented payload of an event always carries
 * (docs.github.com, "Webhook events and payloads"). X-GitHub-Event is not
 * signed, so a signed body claimed to be another event than it is must carry
 * what that event carries. Events not listed here are not checked: their id
 * still ignores the header, so a re-labelled replay of them is a duplicate.
 */
const KEYS_OF_EVENT: Record<string, string[]> = {
  push: ['ref', 'after', 'pusher'],
  create: ['ref', 'ref_type'],
  delete: ['ref', 'ref_type'],
  ping: ['zen', 'hook_id'],
  pull_request: ['pull_request'],
  pull_request_review: ['pull_request', 'review'],
  pull_request_review_comment: ['pull_request', 'comment'],
  issues: ['issue'],
  issue_comment: ['issue', 'comment'],
  release: ['release'],
  workflow_run: ['workflow_run'],
  workflow_job: ['workflow_job'],
  check_run: ['check_run'],
  check_suite: ['check_suite'],
  deployment: ['deployment'],
  deployment_status: ['deployment', 'deployment_status'],
  registry_package: ['registry_package'],
  package: ['package'],
  status: ['sha', 'state', 'context'],
};

const hasOwn = (object: object, key: string) =>
  Object.prototype.hasOwnProperty.call(object, key);

/** A GitHub event with the delivery id it first came with (a CloudEvents extension). */
export type GithubEvent = OrchestrationEvent & { githubdelivery: string };

/**
 * A GitHub webhook delivery becomes one event: `X-GitHub-Event` gives the type
 * (`github.push`, `github.pull_request`, …), the repository's full name the
 * subject (linked to entities through `github.com/project-slug`). The id is a
 * hash of the source and the signed bytes, never of the unsigned headers: the
 * same delivery, re-sent by GitHub or replayed by anyone under another
 * `X-GitHub-Delivery` or `X-GitHub-Event`, is a duplicate.
 */
export function githubToEvents(
  body: unknown,
  headers: Record<string, string | undefined>,
  options: { sourceName: string; rawBody: Buffer },
): GithubEvent[] {
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
  const expectedKeys = hasOwn(KEYS_OF_EVENT, eventName)
    ? KEYS_OF_EVENT[eventName]
    : [];
  if (expectedKeys.some(key => !hasOwn(body, key))) {
    throw new InputError(
      `X-GitHub-Event '${eventName}' does not fit the signed body: a ${eventName} delivery carries ${expectedKeys
        .map(key => `'${key}'`)
        .join(', ')}`,
    );
  }
  const repository = (body as { repository?: { full_name?: unknown } })
    .repository;
  const subject =
    typeof repository?.full_name === 'string'
      ? repository.full_name
      : undefined;
  const digest = createHash('sha256')
    .update(`${options.sourceName}\n`)
    .update(options.rawBody)
    .digest('hex')
    .slice(0, 40);
  return [
    {
      specversion: '1.0',
      id: `github-${digest}`,
      source: `/webhooks/${options.sourceName}`,
      type: `github.${eventName}`,
      ...(subject ? { subject } : {}),
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: body,
      githubdelivery: delivery,
      origin: {
        kind: 'webhook',
        source: options.sourceName,
        sourceType: 'github',
      },
    },
  ];
}
