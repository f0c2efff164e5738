import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { ClusterPicker, k8s } from './clusterClient';
import { target } from './inputs';
import { K8sObject } from '../../shared/kubernetes/clusters';
import { parseAllDocuments } from 'yaml';
import { examples } from './apply.examples';
import { CREATED_BY_STEP_ANNOTATION, refuseForeignOwner } from './ownership';
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
} from '../../shared/kubernetesNames';

/** `kubernetes:apply` on the configured clusters. */
export function createApplyAction(pick: ClusterPicker) {
  return createOrchestrationAction({
    id: 'kubernetes:apply',
    description:
      'Server-side applies manifests (objects, or YAML with several documents); applying the same manifests again changes nothing.',
    examples,
    schema: {
      input: z
        .object({
          cluster: target.cluster,
          namespace: target.namespace
            .optional()
            .describe('Default namespace for namespaced objects without one'),
          manifests: z.union([
            z.string().min(1),
            z.record(z.unknown()),
            z.array(z.record(z.unknown())),
          ]),
          ifExists: z
            .enum(['update', 'refuse'])
            .default('update')
            .describe(
              'refuse: only create; an object that already exists (and was not created by this same step, retried) fails the step, e.g. when provisioning must not take over an existing application',
            ),
        })
        .strict(),
      output: z.object({ applied: z.array(z.string()) }),
    },
    async handler(ctx) {
      const client = pick(ctx.input.cluster).withSignal(ctx.signal);
      const objects = manifestList(ctx.input.manifests);
      const applied: string[] = [];
      // Every name checked before the first object is applied.
      objects.forEach((object, index) =>
        refuseBadNames(
          index,
          object.metadata?.name,
          object.metadata?.namespace ?? ctx.input.namespace,
        ),
      );
      for (const object of objects) {
        if (!object.apiVersion || !object.kind || !object.metadata?.name) {
          throw new Error(
            `every manifest needs apiVersion, kind and metadata.name (got ${JSON.stringify(
              object,
            ).slice(0, 120)})`,
          );
        }
        const namespace = object.metadata.namespace ?? ctx.input.namespace;
        const createOnly = ctx.input.ifExists === 'refuse';
        const withNamespace = {
          ...object,
          metadata: {
            ...object.metadata,
            ...(namespace ? { namespace } : {}),
            ...(createOnly
              ? {
                  annotations: {
                    ...object.metadata.annotations,
                    [CREATED_BY_STEP_ANNOTATION]: ctx.idempotencyKey,
                  },
                }
              : {}),
          },
        };
        const ref = `${object.kind} ${namespace ? `${namespace}/` : ''}${
          object.metadata.name
        }`;
        await refuseForeignOwner(client, withNamespace, ref, {
          createOnlyForStep: createOnly ? ctx.idempotencyKey : undefined,
        });
        await k8s(`applying ${ref}`, () => client.apply(withNamespace));
        applied.push(ref);
        ctx.logger.info(`applied ${ref} on ${client.cluster.name}`);
      }
      ctx.output('applied', applied);
    },
  });
}

/** Names the API server would refuse, refused before anything is applied, naming the field. */
function refuseBadNames(index: number, name?: string, namespace?: string) {
  const problems = [
    [
      `manifests[${index}].metadata.name`,
      name,
      typeof name === 'string' ? dns1123SubdomainProblem(name) : undefined,
    ],
    [
      `manifests[${index}].metadata.namespace`,
      namespace,
      namespace === undefined ? undefined : dns1123LabelProblem(namespace),
    ],
  ].filter(([, , problem]) => problem);
  if (problems.length)
    throw new Error(
      problems
        .map(([field, value, problem]) => `${field} '${value}' ${problem}`)
        .join('; '),
    );
}

/** Manifests as objects: one object, a list, or YAML/JSON text with several documents. */
export function manifestList(
  manifests: string | Record<string, unknown> | Array<Record<string, unknown>>,
): K8sObject[] {
  if (Array.isArray(manifests)) return manifests as K8sObject[];
  if (typeof manifests !== 'string') return [manifests as K8sObject];
  const documents = parseAllDocuments(manifests);
  const objects: K8sObject[] = [];
  for (const document of documents) {
    if (document.errors.length > 0)
      throw new Error(
        `manifests are not valid YAML: ${document.errors[0].message}`,
      );
    const value = document.toJS();
    if (value) objects.push(value);
  }
  return objects;
}
