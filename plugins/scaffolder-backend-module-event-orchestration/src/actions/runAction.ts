import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { EventOrchestrationClient } from '@edo/plugin-event-orchestration-node';

/**
 * `event-orchestration:action:run`: runs one orchestration action (the same
 * registry, schemas, idempotency and audit as sensors use) as the user running
 * the template, through the backend's `POST /actions/:id/runs`.
 */
export function createRunActionAction(client: EventOrchestrationClient) {
  return createTemplateAction({
    id: 'event-orchestration:action:run',
    description:
      'Runs one Event Orchestration action (e.g. gitops:set-image, argocd:sync) as a one-step run, as the user running the template.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Sync an Argo CD application',
        example: `steps:
  - id: sync
    action: event-orchestration:action:run
    input:
      action: argocd:sync
      entityRef: \${{ parameters.entity }}
      input:
        application: my-awesome-app`,
      },
    ],
    schema: {
      input: {
        action: z =>
          z
            .string()
            .min(1)
            .describe('Action id, see GET /api/event-orchestration/actions'),
        input: z =>
          z.record(z.unknown()).default({}).describe("The action's input"),
        entityRef: z =>
          z.string().optional().describe('The entity the run concerns'),
      },
      output: {
        runId: z => z.string(),
        status: z =>
          z
            .string()
            .describe(
              'The run status when the request returned; wait with event-orchestration:run:wait',
            ),
      },
    },
    async handler(ctx) {
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would run ${ctx.input.action} with ${JSON.stringify(
            ctx.input.input,
          )}`,
        );
        ctx.output('runId', 'dry-run');
        ctx.output('status', 'pending');
        return;
      }
      const credentials = await ctx.getInitiatorCredentials();
      const run = await ctx.checkpoint({
        key: `run-${ctx.input.action}`,
        fn: async () => {
          const started = await client.runAction(
            ctx.input.action,
            {
              input: ctx.input.input as Record<string, unknown>,
              entityRef: ctx.input.entityRef,
              // One run per task and action, however often the step is retried.
              idempotencyKey: `scaffolder:${ctx.task.id}:${ctx.input.action}`,
            },
            { credentials },
          );
          return { id: started.id, status: started.status };
        },
      });
      ctx.logger.info(`Started run ${run.id} of ${ctx.input.action}`);
      ctx.output('runId', run.id);
      ctx.output('status', run.status);
    },
  });
}
