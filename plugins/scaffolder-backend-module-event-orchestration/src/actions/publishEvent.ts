import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { EventOrchestrationClient } from '@edo/plugin-event-orchestration-node';
import { eventsTabPath } from './links';
import { EVENT_TYPE_PATTERN } from '@edo/plugin-event-orchestration-common';

/**
 * `event-orchestration:event:publish`: publishes an event as the user running
 * the template (recorded as its actor; permission event-orchestration.event.create).
 */
export function createPublishEventAction(client: EventOrchestrationClient) {
  return createTemplateAction({
    id: 'event-orchestration:event:publish',
    description:
      'Publishes an event to Event Orchestration as the user running the template; sensors may start runs for it.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Ask for a remediation of the selected component',
        example: `steps:
  - id: publish
    action: event-orchestration:event:publish
    input:
      type: portal.remediation.requested
      entityRef: \${{ parameters.entity }}
      data:
        action: \${{ parameters.action }}
        reason: \${{ parameters.reason }}`,
      },
    ],
    schema: {
      input: {
        type: z =>
          z
            .string()
            .regex(EVENT_TYPE_PATTERN)
            .describe('Dotted event type, e.g. portal.provisioning.requested'),
        subject: z =>
          z
            .string()
            .optional()
            .describe('What the event is about, e.g. the application name'),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe('The catalog entity the event concerns'),
        data: z =>
          z.record(z.unknown()).optional().describe('The event payload'),
      },
      output: {
        eventId: z => z.string().describe('Id of the published event'),
        link: z =>
          z.string().describe("The entity's Events tab, where its runs show"),
      },
    },
    async handler(ctx) {
      const link = eventsTabPath(ctx.input.entityRef);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would publish ${ctx.input.type}${
            ctx.input.entityRef ? ` for ${ctx.input.entityRef}` : ''
          }`,
        );
        ctx.output('eventId', 'dry-run');
        ctx.output('link', link);
        return;
      }
      const credentials = await ctx.getInitiatorCredentials();
      // A retried task step must not publish twice: remember the id.
      const { id } = await ctx.checkpoint({
        key: `publish-${ctx.input.type}`,
        fn: async () =>
          client.publishEvent(
            {
              type: ctx.input.type,
              subject: ctx.input.subject,
              entityRef: ctx.input.entityRef,
              correlationId: ctx.task.id,
              data: (ctx.input.data ?? {}) as Record<string, unknown>,
            },
            { credentials },
          ),
      });
      ctx.logger.info(`Published ${ctx.input.type} as ${id}`);
      ctx.output('eventId', id);
      ctx.output('link', link);
    },
  });
}
