import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { ClusterPicker, k8s } from './clusterClient';
import { target, workloadKind } from './inputs';
import { K8sObject } from '../../shared/kubernetes/clusters';
import { sleep } from '../../shared/timers/sleep';
import { examples } from './rolloutStatus.examples';

/** Counts of a workload as its controller last reported them. */
export interface RolloutCounts {
  generation: number;
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

const count = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;

export function rolloutCounts(object: K8sObject): RolloutCounts {
  const { spec, status, metadata } = object as any;
  return {
    generation: count(metadata?.generation),
    observedGeneration: count(status?.observedGeneration),
    // spec.replicas defaults to 1 in both kinds.
    replicas: typeof spec?.replicas === 'number' ? spec.replicas : 1,
    updatedReplicas: count(status?.updatedReplicas),
    readyReplicas: count(status?.readyReplicas),
    availableReplicas: count(status?.availableReplicas),
  };
}

/**
 * What keeps a rollout from being complete, as `kubectl rollout status`
 * judges it (plus available replicas for StatefulSets), one reason per
 * problem; empty when complete. `fatal` is set when waiting cannot help.
 */
export function rolloutProblems(
  kind: 'Deployment' | 'StatefulSet',
  object: K8sObject,
): { problems: string[]; fatal?: string } {
  const c = rolloutCounts(object);
  const { spec, status } = object as any;
  const conditions: Array<{
    type?: string;
    status?: string;
    reason?: string;
    message?: string;
  }> = Array.isArray(status?.conditions) ? status.conditions : [];
  if (kind === 'Deployment') {
    const progressing = conditions.find(x => x.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      return {
        problems: [],
        fatal: `exceeded its progress deadline${
          progressing.message ? `: ${progressing.message}` : ''
        }`,
      };
    }
  }
  if (
    kind === 'StatefulSet' &&
    spec?.updateStrategy?.type &&
    spec.updateStrategy.type !== 'RollingUpdate'
  ) {
    return {
      problems: [],
      fatal: `its update strategy is ${spec.updateStrategy.type}; rollout status is only known for RollingUpdate`,
    };
  }
  const problems: string[] = [];
  if (c.observedGeneration < c.generation) {
    problems.push(
      `the controller has not observed the latest spec yet (observedGeneration ${c.observedGeneration} < generation ${c.generation})`,
    );
  }
  if (c.updatedReplicas < c.replicas) {
    problems.push(`${c.updatedReplicas} of ${c.replicas} replicas updated`);
  }
  const total = count(status?.replicas);
  if (kind === 'Deployment' && total > c.updatedReplicas) {
    problems.push(
      `${total - c.updatedReplicas} old replicas pending termination`,
    );
  }
  if (kind === 'StatefulSet') {
    if (c.readyReplicas < c.replicas) {
      problems.push(`${c.readyReplicas} of ${c.replicas} replicas ready`);
    }
    const partition = count(spec?.updateStrategy?.rollingUpdate?.partition);
    if (
      partition === 0 &&
      status?.updateRevision &&
      status.currentRevision !== status.updateRevision
    ) {
      problems.push(
        `current revision ${status.currentRevision} is not the update revision ${status.updateRevision}`,
      );
    }
  }
  if (c.availableReplicas < c.replicas) {
    problems.push(`${c.availableReplicas} of ${c.replicas} replicas available`);
  }
  for (const condition of conditions) {
    const bad =
      ((condition.type === 'Available' || condition.type === 'Progressing') &&
        condition.status === 'False') ||
      (condition.type === 'ReplicaFailure' && condition.status === 'True');
    if (bad) {
      problems.push(
        `condition ${condition.type}=${condition.status}${
          condition.reason ? ` (${condition.reason})` : ''
        }${condition.message ? `: ${condition.message}` : ''}`,
      );
    }
  }
  return { problems };
}

/** `kubernetes:rollout-status` on the configured clusters. */
export function createRolloutStatusAction(
  pick: ClusterPicker,
  options: { pollIntervalMs?: number } = {},
) {
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  return createOrchestrationAction({
    id: 'kubernetes:rollout-status',
    description:
      'Waits until the rollout of a Deployment or StatefulSet is complete — the controller has observed ' +
      'the latest generation and every replica is updated and available, no old replica is left and no ' +
      'condition reports a failure — polling until `timeoutSeconds`; fails naming what is not ready, at once ' +
      'when a Deployment exceeded its progress deadline.',
    examples,
    schema: {
      input: z
        .object({
          ...target,
          kind: workloadKind,
          timeoutSeconds: z
            .number()
            .int()
            .min(1)
            .max(3600)
            .default(240)
            .describe(
              "How long to wait for the rollout (at most 3600); keep it under the step's timeout (default 5m) so the failure names what is not ready",
            ),
        })
        .strict(),
      output: z.object({
        replicas: z.number(),
        updatedReplicas: z.number(),
        availableReplicas: z.number(),
        observedGeneration: z.number(),
        waitedSeconds: z.number(),
      }),
    },
    async handler(ctx) {
      const client = pick(ctx.input.cluster).withSignal(ctx.signal);
      const { kind, name, namespace, timeoutSeconds } = ctx.input;
      const started = Date.now();
      const deadline = started + timeoutSeconds * 1000;
      let last = '';
      for (;;) {
        const object = await k8s(`reading ${kind} ${namespace}/${name}`, () =>
          client.read('apps/v1', kind, name, namespace),
        );
        const { problems, fatal } = rolloutProblems(kind, object);
        if (fatal) {
          throw new Error(`${kind} ${namespace}/${name} ${fatal}`);
        }
        const c = rolloutCounts(object);
        if (problems.length === 0) {
          const waitedSeconds = Math.round((Date.now() - started) / 1000);
          ctx.logger.info(
            `${kind} ${namespace}/${name} rolled out: ${c.availableReplicas} of ${c.replicas} replicas available`,
          );
          ctx.output('replicas', c.replicas);
          ctx.output('updatedReplicas', c.updatedReplicas);
          ctx.output('availableReplicas', c.availableReplicas);
          ctx.output('observedGeneration', c.observedGeneration);
          ctx.output('waitedSeconds', waitedSeconds);
          return;
        }
        const summary = problems.join('; ');
        if (summary !== last) {
          ctx.logger.info(
            `waiting for ${kind} ${namespace}/${name}: ${summary}`,
          );
          last = summary;
        }
        if (ctx.signal.aborted) throw new Error('cancelled');
        if (Date.now() + pollIntervalMs > deadline) {
          throw new Error(
            `${kind} ${namespace}/${name} did not finish its rollout within ${timeoutSeconds}s: ${summary}`,
          );
        }
        await sleep(pollIntervalMs, ctx.signal);
      }
    },
  });
}
