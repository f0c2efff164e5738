import { PatchStrategy } from '@kubernetes/client-node';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { ClusterPicker, FIELD_MANAGER, k8s } from './clusterClient';
import { target, workloadKind } from './inputs';
import {
  MAX_REPLICAS,
  replicaCount,
  replicaIncrement,
} from '../../shared/kubernetesNames';
import { K8sObject } from '../../shared/kubernetes/clusters';
import { examples } from './scale.examples';

/** `kubernetes:scale` on the configured clusters. */
export function createScaleAction(pick: ClusterPicker) {
  return createOrchestrationAction({
    id: 'kubernetes:scale',
    description:
      'Sets the replicas of a Deployment or StatefulSet (directly on the cluster; for GitOps-managed apps prefer gitops:set-replicas).',
    examples,
    schema: {
      input: z
        .object({
          ...target,
          kind: workloadKind,
          replicas: replicaCount().optional(),
          increment: replicaIncrement()
            .optional()
            .describe('Added to the current replicas instead of setting them'),
          max: replicaCount()
            .optional()
            .describe(`Never scale above this (at most ${MAX_REPLICAS})`),
        })
        .strict()
        .refine(
          i => (i.replicas === undefined) !== (i.increment === undefined),
          'give exactly one of replicas or increment',
        ),
      output: z.object({
        previousReplicas: z.number(),
        replicas: z.number(),
        changed: z.boolean(),
      }),
    },
    async handler(ctx) {
      const client = pick(ctx.input.cluster).withSignal(ctx.signal);
      const { kind, name, namespace } = ctx.input;
      const current = await k8s(`reading ${kind} ${namespace}/${name}`, () =>
        client.read('apps/v1', kind, name, namespace),
      );
      const previous = Number(current.spec?.replicas ?? 1);
      let replicas =
        ctx.input.replicas ?? previous + (ctx.input.increment ?? 0);
      if (ctx.input.max !== undefined && replicas > ctx.input.max)
        replicas = ctx.input.max;
      replicas = Math.max(0, replicas);
      if (replicas !== previous) {
        await k8s(`scaling ${kind} ${namespace}/${name}`, () =>
          client.objects.patch(
            {
              apiVersion: 'apps/v1',
              kind,
              metadata: { name, namespace },
              spec: { replicas },
            } as K8sObject,
            undefined,
            undefined,
            FIELD_MANAGER,
            undefined,
            PatchStrategy.MergePatch,
          ),
        );
      }
      ctx.logger.info(
        `${kind} ${namespace}/${name}: ${previous} → ${replicas} replicas on ${client.cluster.name}`,
      );
      ctx.output('previousReplicas', previous);
      ctx.output('replicas', replicas);
      ctx.output('changed', replicas !== previous);
    },
  });
}
