import { PatchStrategy } from '@kubernetes/client-node';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { ClusterPicker, FIELD_MANAGER, k8s } from './clusterClient';
import { target, workloadKind } from './inputs';
import { K8sObject } from '../../shared/kubernetes/clusters';
import { examples } from './rolloutRestart.examples';

/** `kubernetes:rollout-restart` on the configured clusters. */
export function createRolloutRestartAction(pick: ClusterPicker) {
  return createOrchestrationAction({
    id: 'kubernetes:rollout-restart',
    description:
      'Restarts the pods of a Deployment or StatefulSet as `kubectl rollout restart` does; a retried step does not restart twice.',
    examples,
    schema: {
      input: z.object({ ...target, kind: workloadKind }).strict(),
      output: z.object({ restartedAt: z.string(), changed: z.boolean() }),
    },
    async handler(ctx) {
      const client = pick(ctx.input.cluster).withSignal(ctx.signal);
      const { kind, name, namespace } = ctx.input;
      const current = await k8s(`reading ${kind} ${namespace}/${name}`, () =>
        client.read('apps/v1', kind, name, namespace),
      );
      const annotations = current.spec?.template?.metadata?.annotations ?? {};
      // The step's idempotency key marks the restart it caused.
      if (
        annotations['event-orchestration.io/restart-key'] === ctx.idempotencyKey
      ) {
        ctx.logger.info(
          `${kind} ${namespace}/${name} was already restarted by this step`,
        );
        ctx.output(
          'restartedAt',
          String(annotations['kubectl.kubernetes.io/restartedAt'] ?? ''),
        );
        ctx.output('changed', false);
        return;
      }
      const restartedAt = new Date().toISOString();
      await k8s(`restarting ${kind} ${namespace}/${name}`, () =>
        client.objects.patch(
          {
            apiVersion: 'apps/v1',
            kind,
            metadata: { name, namespace },
            spec: {
              template: {
                metadata: {
                  annotations: {
                    'kubectl.kubernetes.io/restartedAt': restartedAt,
                    'event-orchestration.io/restart-key': ctx.idempotencyKey,
                  },
                },
              },
            },
          } as K8sObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          undefined,
          PatchStrategy.StrategicMergePatch,
        ),
      );
      ctx.logger.info(
        `restarted ${kind} ${namespace}/${name} on ${client.cluster.name}`,
      );
      ctx.output('restartedAt', restartedAt);
      ctx.output('changed', true);
    },
  });
}
