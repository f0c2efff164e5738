import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import {
  ClusterPicker,
  describeError,
  k8s,
  statusCode,
} from '../kubernetes/clusterClient';
import { target } from '../kubernetes/inputs';
import { K8sObject } from '../../shared/kubernetes/clusters';
import { examples } from './submitWorkflow.examples';
import { kubernetesName } from '../../shared/kubernetesNames';

/** Phases after which an Argo Workflow no longer changes. */
const WORKFLOW_DONE = ['Succeeded', 'Failed', 'Error'];

/** `argo-workflows:submit`: creates an Argo Workflow on a configured cluster and can wait for it. */
export function createSubmitWorkflowAction(pick: ClusterPicker) {
  return createOrchestrationAction({
    id: 'argo-workflows:submit',
    description:
      'Submits an Argo Workflow from a WorkflowTemplate or an inline spec, with parameters; optionally waits for it to finish. A retried step finds the workflow it already submitted.',
    defaultTimeout: '30m',
    examples,
    schema: {
      input: z
        .object({
          cluster: target.cluster,
          namespace: target.namespace,
          workflowTemplate: kubernetesName('WorkflowTemplate name')
            .optional()
            .describe('Name of a WorkflowTemplate in the namespace'),
          clusterWorkflowTemplate: z
            .boolean()
            .default(false)
            .describe('workflowTemplate names a ClusterWorkflowTemplate'),
          spec: z
            .record(z.unknown())
            .optional()
            .describe('An inline Workflow spec'),
          parameters: z
            .record(z.union([z.string(), z.number(), z.boolean()]))
            .default({}),
          namePrefix: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
            .max(40)
            .optional(),
          labels: z.record(z.string()).default({}),
          wait: z
            .boolean()
            .default(false)
            .describe(
              'Wait for the workflow to finish; a failed workflow fails the step',
            ),
          pollIntervalSeconds: z.number().min(0.01).default(5),
        })
        .strict()
        .refine(
          i => (i.workflowTemplate === undefined) !== (i.spec === undefined),
          'give exactly one of workflowTemplate or spec',
        ),
      output: z.object({
        name: z.string(),
        phase: z.string(),
        message: z.string(),
      }),
    },
    async handler(ctx) {
      const client = pick(ctx.input.cluster).withSignal(ctx.signal);
      const { namespace } = ctx.input;
      // The name comes from the idempotency key: a retried step meets its own
      // workflow (409) instead of submitting a second one.
      const prefix =
        ctx.input.namePrefix ??
        ctx.input.workflowTemplate ??
        'event-orchestration';
      const name = `${prefix.slice(0, 40)}-${createHash('sha256')
        .update(ctx.idempotencyKey)
        .digest('hex')
        .slice(0, 10)}`;
      const parameters = Object.entries(ctx.input.parameters).map(
        ([key, value]) => ({ name: key, value: String(value) }),
      );
      const spec = ctx.input.spec
        ? {
            ...ctx.input.spec,
            arguments: {
              ...((ctx.input.spec as any).arguments ?? {}),
              parameters,
            },
          }
        : {
            workflowTemplateRef: {
              name: ctx.input.workflowTemplate,
              ...(ctx.input.clusterWorkflowTemplate
                ? { clusterScope: true }
                : {}),
            },
            arguments: { parameters },
          };
      const workflow: K8sObject = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: {
          name,
          namespace,
          labels: {
            ...ctx.input.labels,
            'event-orchestration.io/run': ctx.runId.slice(0, 63),
          },
        },
        spec,
      };
      let current: K8sObject;
      try {
        current = await client.objects.create(workflow);
        ctx.logger.info(
          `submitted workflow ${namespace}/${name} on ${client.cluster.name}`,
        );
      } catch (error) {
        if (statusCode(error) !== 409)
          throw new Error(
            `submitting workflow ${namespace}/${name}: ${describeError(error)}`,
          );
        ctx.logger.info(
          `workflow ${namespace}/${name} was submitted by an earlier attempt of this step`,
        );
        current = await k8s(`reading workflow ${namespace}/${name}`, () =>
          client.read('argoproj.io/v1alpha1', 'Workflow', name, namespace),
        );
      }
      let phase = String(current.status?.phase ?? 'Pending');
      while (ctx.input.wait && !WORKFLOW_DONE.includes(phase)) {
        await delay(ctx.input.pollIntervalSeconds * 1000, undefined, {
          signal: ctx.signal,
        });
        current = await k8s(`reading workflow ${namespace}/${name}`, () =>
          client.read('argoproj.io/v1alpha1', 'Workflow', name, namespace),
        );
        const next = String(current.status?.phase ?? 'Pending');
        if (next !== phase) ctx.logger.info(`workflow ${name}: ${next}`);
        phase = next;
      }
      const message = String(current.status?.message ?? '');
      ctx.output('name', name);
      ctx.output('phase', phase);
      ctx.output('message', message);
      if (ctx.input.wait && phase !== 'Succeeded')
        throw new Error(
          `workflow ${namespace}/${name} ended ${phase}${
            message ? `: ${message}` : ''
          }`,
        );
    },
  });
}
