import { PatchStrategy } from '@kubernetes/client-node';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { ClusterPicker, FIELD_MANAGER, k8s } from './clusterClient';
import { target } from './inputs';
import { K8sObject } from '../../shared/kubernetes/clusters';
import { examples } from './patch.examples';

/** `kubernetes:patch` on the configured clusters. */
export function createPatchAction(pick: ClusterPicker) {
  return createOrchestrationAction({
    id: 'kubernetes:patch',
    description:
      'Patches any object: merge (RFC 7386), strategic merge, or JSON patch (RFC 6902).',
    examples,
    schema: {
      input: z
        .object({
          cluster: target.cluster,
          apiVersion: z.string().min(1).describe('e.g. apps/v1'),
          kind: z.string().min(1).describe('e.g. Deployment'),
          namespace: target.namespace
            .optional()
            .describe('Omit for cluster-scoped objects'),
          name: target.name,
          type: z.enum(['merge', 'strategic', 'json']).default('strategic'),
          patch: z.union([
            z.record(z.unknown()),
            z.array(
              z.object({
                op: z.string(),
                path: z.string(),
                value: z.unknown().optional(),
              }),
            ),
          ]),
        })
        .strict()
        .refine(
          i => (i.type === 'json') === Array.isArray(i.patch),
          'a json patch is a list of operations; merge and strategic patches are objects',
        ),
      output: z.object({ resourceVersion: z.string() }),
    },
    async handler(ctx) {
      const client = pick(ctx.input.cluster).withSignal(ctx.signal);
      const { apiVersion, kind, name, namespace } = ctx.input;
      const what = `patching ${kind} ${
        namespace ? `${namespace}/` : ''
      }${name}`;
      let result: K8sObject;
      if (ctx.input.type === 'json') {
        result = await k8s(what, () =>
          client.objects.jsonPatch(
            apiVersion,
            kind,
            name,
            namespace,
            ctx.input.patch as unknown[],
          ),
        );
      } else {
        result = await k8s(what, () =>
          client.objects.patch(
            {
              ...(ctx.input.patch as object),
              apiVersion,
              kind,
              metadata: {
                ...((ctx.input.patch as any).metadata ?? {}),
                name,
                namespace,
              },
            } as K8sObject,
            undefined,
            undefined,
            FIELD_MANAGER,
            undefined,
            ctx.input.type === 'merge'
              ? PatchStrategy.MergePatch
              : PatchStrategy.StrategicMergePatch,
          ),
        );
      }
      ctx.logger.info(
        `patched ${kind} ${namespace ? `${namespace}/` : ''}${name} on ${
          client.cluster.name
        }`,
      );
      ctx.output(
        'resourceVersion',
        String(result.metadata?.resourceVersion ?? ''),
      );
    },
  });
}
