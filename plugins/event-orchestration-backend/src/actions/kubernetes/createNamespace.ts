import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { ClusterPicker, k8s } from './clusterClient';
import { target } from './inputs';
import { K8sObject } from '../../shared/kubernetes/clusters';
import { examples } from './createNamespace.examples';
import { OWNER_ANNOTATION, refuseForeignOwner } from './ownership';

/** `kubernetes:create-namespace` on the configured clusters. */
export function createCreateNamespaceAction(pick: ClusterPicker) {
  return createOrchestrationAction({
    id: 'kubernetes:create-namespace',
    description:
      'Creates (or updates) a namespace with labels, an optional ResourceQuota, and a RoleBinding that gives the owning team a ClusterRole in it.',
    examples,
    schema: {
      input: z
        .object({
          cluster: target.cluster,
          name: target.namespace,
          labels: z.record(z.string()).default({}),
          owner: z
            .string()
            .min(1)
            .optional()
            .describe(
              'Group that gets the role, e.g. group:default/team-a or team-a',
            ),
          role: z
            .string()
            .min(1)
            .default('admin')
            .describe('ClusterRole bound for the owner'),
          quota: z
            .record(z.union([z.string(), z.number()]))
            .optional()
            .describe(
              'ResourceQuota hard limits, e.g. {requests.cpu: "4", pods: 20}',
            ),
        })
        .strict(),
      output: z.object({ namespace: z.string(), applied: z.array(z.string()) }),
    },
    async handler(ctx) {
      const client = pick(ctx.input.cluster).withSignal(ctx.signal);
      const { name, labels, owner, role, quota } = ctx.input;
      const objects: K8sObject[] = [
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name,
            labels: {
              ...labels,
              'app.kubernetes.io/managed-by': 'event-orchestration',
            },
            ...(owner ? { annotations: { [OWNER_ANNOTATION]: owner } } : {}),
          },
        },
      ];
      // Another team's namespace (or one not made here) is not re-labelled,
      // re-quota'd or given a RoleBinding for the caller's team.
      await refuseForeignOwner(client, objects[0], `Namespace ${name}`, {
        requireManaged: owner !== undefined,
      });
      if (quota) {
        objects.push({
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'default', namespace: name },
          spec: {
            hard: Object.fromEntries(
              Object.entries(quota).map(([k, v]) => [k, String(v)]),
            ),
          },
        });
      }
      if (owner) {
        // group:default/team-a → team-a, the group name as the cluster's auth sees it.
        const group = owner.replace(/^group:/, '').replace(/^[^/]+\//, '');
        objects.push({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: `${group}-${role}`, namespace: name },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: role,
          },
          subjects: [
            {
              apiGroup: 'rbac.authorization.k8s.io',
              kind: 'Group',
              name: group,
            },
          ],
        });
      }
      const applied: string[] = [];
      for (const object of objects) {
        const ref = `${object.kind} ${
          object.metadata?.namespace ? `${object.metadata.namespace}/` : ''
        }${object.metadata?.name}`;
        await k8s(`applying ${ref}`, () => client.apply(object));
        applied.push(ref);
      }
      ctx.logger.info(
        `namespace ${name} ready on ${client.cluster.name}: ${applied.join(
          ', ',
        )}`,
      );
      ctx.output('namespace', name);
      ctx.output('applied', applied);
    },
  });
}
