import { setTimeout as delay } from 'node:timers/promises';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import {
  ArgoCdInstance,
  TERMINAL_PHASES,
  applicationInput,
  argocdRequest,
  namespaceQuery,
  pickInstance,
  statusOf,
  statusOutput,
} from './argocdClient';
import { examples } from './syncAction.examples';

/** `argocd:sync`, through Argo CD's REST API. */
export function createArgoCdSyncAction(
  instances: ArgoCdInstance[],
  options: { pollIntervalMs?: number } = {},
) {
  return createOrchestrationAction({
    id: 'argocd:sync',
    description:
      'Syncs an Argo CD application; optionally waits until the sync operation has finished.',
    examples,
    schema: {
      input: z
        .object({
          ...applicationInput,
          revision: z
            .string()
            .min(1)
            .optional()
            .describe('Git revision to sync to; default the target revision'),
          prune: z.boolean().default(false),
          wait: z
            .boolean()
            .default(false)
            .describe(
              'Wait for the operation to finish; a failed sync fails the step',
            ),
        })
        .strict(),
      output: statusOutput,
    },
    async handler(ctx) {
      const instance = pickInstance(instances, ctx.input.instance);
      const path = `/api/v1/applications/${encodeURIComponent(
        ctx.input.application,
      )}`;
      ctx.logger.info(`syncing ${ctx.input.application} on ${instance.name}`);
      let app = await argocdRequest(
        instance,
        'POST',
        `${path}/sync${namespaceQuery(ctx.input.appNamespace)}`,
        ctx.signal,
        {
          ...(ctx.input.revision ? { revision: ctx.input.revision } : {}),
          prune: ctx.input.prune,
          dryRun: false,
          ...(ctx.input.appNamespace
            ? { appNamespace: ctx.input.appNamespace }
            : {}),
        },
      );
      let status = statusOf(app);
      while (ctx.input.wait && !TERMINAL_PHASES.includes(status.phase)) {
        await delay(options.pollIntervalMs ?? 3000, undefined, {
          signal: ctx.signal,
        });
        app = await argocdRequest(
          instance,
          'GET',
          `${path}${namespaceQuery(ctx.input.appNamespace)}`,
          ctx.signal,
        );
        status = statusOf(app);
        ctx.logger.info(
          `operation ${status.phase || 'pending'}, sync ${
            status.syncStatus
          }, health ${status.health}`,
        );
      }
      for (const [name, value] of Object.entries(status))
        ctx.output(name, value);
      if (ctx.input.wait && status.phase !== 'Succeeded') {
        throw new Error(
          `sync of ${ctx.input.application} ended ${status.phase}: ${
            app?.status?.operationState?.message ?? 'no message'
          }`,
        );
      }
    },
  });
}
