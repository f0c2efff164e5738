import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import {
  ArgoCdInstance,
  applicationInput,
  argocdRequest,
  namespaceQuery,
  pickInstance,
  statusOf,
  statusOutput,
} from './argocdClient';
import { examples } from './getStatusAction.examples';

/** `argocd:get-status`, through Argo CD's REST API. */
export function createArgoCdGetStatusAction(instances: ArgoCdInstance[]) {
  return createOrchestrationAction({
    id: 'argocd:get-status',
    description:
      "Reads an Argo CD application's sync status, health and last operation.",
    examples,
    schema: {
      input: z.object(applicationInput).strict(),
      output: statusOutput,
    },
    async handler(ctx) {
      const instance = pickInstance(instances, ctx.input.instance);
      const app = await argocdRequest(
        instance,
        'GET',
        `/api/v1/applications/${encodeURIComponent(
          ctx.input.application,
        )}${namespaceQuery(ctx.input.appNamespace)}`,
        ctx.signal,
      );
      for (const [name, value] of Object.entries(statusOf(app)))
        ctx.output(name, value);
    },
  });
}
