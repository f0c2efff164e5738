import { createHash } from 'node:crypto';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  EventBus,
  createOrchestrationAction,
} from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { EVENT_TYPE_PATTERN } from '@edo/plugin-event-orchestration-common';
import { examples } from './eventPublishAction.examples';

/**
 * `event:publish`: publishes a follow-up event — chaining sensors, and the
 * escalation path (`orchestration.remediation.failed` from an onFailure step).
 * The event id comes from the step's idempotency key, so a retried step
 * publishes the same event, which the bus drops as a duplicate.
 */
export function createEventPublishAction(bus: EventBus) {
  return createOrchestrationAction({
    id: 'event:publish',
    description: 'Publishes a follow-up event on the bus.',
    examples,
    schema: {
      input: z
        .object({
          type: z
            .string()
            .regex(
              EVENT_TYPE_PATTERN,
              'must be dotted lower-case, like orchestration.remediation.failed',
            ),
          subject: z.string().min(1).optional(),
          entityRef: z.string().min(1).optional(),
          data: z.record(z.unknown()).default({}),
        })
        .strict(),
      output: z.object({ eventId: z.string() }),
    },
    async handler(ctx) {
      // What it publishes comes from the orchestrator, which owns every type
      // no source owns: a user running it by hand would publish past POST
      // /events' type and entity checks. A run without a triggering event is
      // a run started by hand.
      if (ctx.events.length === 0) {
        throw new Error(
          "event:publish runs only in a sensor's workflow: its events come from the orchestrator. Publish by hand through POST /events, which checks the type and your permissions",
        );
      }
      const { type, subject, entityRef, data } = ctx.input;
      // Whose request this run serves, carried on: a run started by this
      // event is theirs too (no self-approval through a chain of sensors).
      const requesters = [
        ...new Set(
          ctx.events.flatMap(e => [
            ...(e.origin?.actor ? [e.origin.actor] : []),
            ...(e.origin?.onBehalfOf ?? []),
          ]),
        ),
      ].sort();
      const id = `run-${createHash('sha256')
        .update(ctx.idempotencyKey)
        .digest('hex')
        .slice(0, 40)}`;
      const entityref = entityRef
        ? stringifyEntityRef(parseEntityRef(entityRef)).toLocaleLowerCase(
            'en-US',
          )
        : ctx.entityRefs;
      // The bus takes no signal: an attempt already timed out or cancelled
      // publishes nothing.
      ctx.signal.throwIfAborted();
      const { duplicate } = await bus.publish({
        specversion: '1.0',
        id,
        source: `/runs/${ctx.runId}`,
        type,
        ...(subject ? { subject } : {}),
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data,
        ...(entityref.length ? { entityref } : {}),
        correlationid: ctx.runId,
        actor: `run:${ctx.runId}`,
        origin: {
          kind: 'orchestrator',
          run: ctx.runId,
          ...(requesters.length
            ? { onBehalfOf: requesters, entityScope: ctx.entityRefs }
            : {}),
        },
      });
      ctx.logger.info(
        `${duplicate ? 'already published' : 'published'} ${type} as ${id}`,
      );
      ctx.output('eventId', id);
    },
  });
}
