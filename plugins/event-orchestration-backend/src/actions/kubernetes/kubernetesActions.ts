import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Config } from '@backstage/config';
import {
  HttpMethod,
  KubeConfig,
  createConfiguration,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/** A cluster the Kubernetes and Argo Workflows actions may act on. */
export interface KubernetesCluster {
  name: string;
  url: string;
  serviceAccountToken?: string;
  caData?: string;
  skipTLSVerify: boolean;
}

/**
 * Clusters from `eventOrchestration.kubernetes.clusters`, else from Backstage's
 * own `kubernetes.clusterLocatorMethods` entries of type `config` (same fields),
 * so adopters of the Kubernetes plugin configure their clusters once.
 */
export function readKubernetesClusters(config: Config): KubernetesCluster[] {
  const own = config.getOptionalConfigArray(
    'eventOrchestration.kubernetes.clusters',
  );
  const entries =
    own ??
    (config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [])
      .filter(m => m.getString('type') === 'config')
      .flatMap(m => m.getOptionalConfigArray('clusters') ?? []);
  const where = own
    ? 'eventOrchestration.kubernetes.clusters'
    : 'kubernetes.clusterLocatorMethods[].clusters';
  return entries.map((entry, i) => {
    const url = entry.getString('url').replace(/\/+$/, '');
    const skipTLSVerify = entry.getOptionalBoolean('skipTLSVerify') ?? false;
    if (url.startsWith('http://') && !skipTLSVerify) {
      throw new Error(
        `${where}[${i}].url '${url}': an http:// URL needs skipTLSVerify: true`,
      );
    }
    return {
      name: entry.getString('name'),
      url,
      serviceAccountToken: entry.getOptionalString('serviceAccountToken'),
      caData: entry.getOptionalString('caData'),
      skipTLSVerify,
    };
  });
}

type K8sObject = KubernetesObject & { [key: string]: any };

/** A KubeConfig for one cluster with a service-account token, as sources and actions use it. */
export function kubeConfigFor(cluster: {
  name: string;
  url: string;
  serviceAccountToken?: string;
  caData?: string;
  skipTLSVerify: boolean;
}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.url,
        caData: cluster.caData,
        skipTLSVerify: cluster.skipTLSVerify,
      },
    ],
    users: [
      { name: 'event-orchestration', token: cluster.serviceAccountToken },
    ],
    contexts: [
      {
        name: cluster.name,
        cluster: cluster.name,
        user: 'event-orchestration',
      },
    ],
    currentContext: cluster.name,
  });
  return kc;
}

/** The field manager of every change we make (server-side apply ownership). */
const FIELD_MANAGER = 'event-orchestration';

/**
 * The generic object API plus JSON patch, which it lacks (its `patch` sends an
 * object; a JSON patch is a list): same URL from discovery, same TLS and
 * credentials, through the client's own request path.
 */
class ObjectApi extends KubernetesObjectApi {
  /**
   * This API with every request, discovery included, cancelled by `signal`
   * (the client has no per-call signal; a middleware sets it on each request).
   * It shares the discovery cache with this one.
   */
  withSignal(signal: AbortSignal): ObjectApi {
    const api = new ObjectApi(
      createConfiguration({
        baseServer: this.configuration.baseServer,
        authMethods: { default: this.configuration.authMethods.default },
        promiseMiddleware: [
          {
            pre: async request => {
              request.setSignal(signal);
              return request;
            },
            post: async response => response,
          },
        ],
      }),
    );
    api.apiVersionResourceCache = this.apiVersionResourceCache;
    return api;
  }

  async jsonPatch(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string | undefined,
    operations: unknown[],
  ) {
    const path = await this.specUriPath(
      { apiVersion, kind, metadata: { name, namespace } },
      'patch',
    );
    const request = this.configuration.baseServer.makeRequestContext(
      path,
      HttpMethod.PATCH,
    );
    request.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    request.setHeaderParam('Content-Type', PatchStrategy.JsonPatch);
    request.setQueryParam('fieldManager', FIELD_MANAGER);
    request.setBody(JSON.stringify(operations));
    return this.requestPromise<K8sObject>(request);
  }
}

/** The client for one cluster: `@kubernetes/client-node`'s generic object API. */
class ClusterClient {
  constructor(
    readonly cluster: KubernetesCluster,
    readonly objects: ObjectApi = kubeConfigFor(cluster).makeApiClient(
      ObjectApi,
    ),
  ) {}

  /** The same client, its requests cancelled by a step's abort signal. */
  withSignal(signal: AbortSignal): ClusterClient {
    return new ClusterClient(this.cluster, this.objects.withSignal(signal));
  }

  read(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ): Promise<K8sObject> {
    return this.objects.read<K8sObject>({
      apiVersion,
      kind,
      metadata: { name, namespace },
    });
  }

  /** Server-side apply: create or update, owning the fields we set. */
  apply(object: K8sObject): Promise<K8sObject> {
    return this.objects.patch(
      object,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
}

/** Kubernetes API errors as one line: "409 AlreadyExists: ...". */
function describeError(error: any): string {
  const body =
    typeof error?.body === 'string' ? safeJson(error.body) : error?.body;
  if (body?.message)
    return `${error.code ?? body.code} ${body.reason ?? ''}: ${
      body.message
    }`.replace(' :', ':');
  return String(error?.message ?? error);
}

function safeJson(text: string) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function k8s<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(`${what}: ${describeError(error)}`);
  }
}

function statusCode(error: any): number | undefined {
  return error?.code ?? error?.statusCode ?? error?.response?.statusCode;
}

const target = {
  cluster: z
    .string()
    .min(1)
    .optional()
    .describe('Name of a configured cluster; default the first'),
  namespace: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      'must be a Kubernetes namespace name',
    ),
  name: z.string().min(1).max(253),
};
const workloadKind = z
  .enum(['Deployment', 'StatefulSet'])
  .default('Deployment');

/**
 * `kubernetes:scale`, `kubernetes:rollout-restart`, `kubernetes:patch`,
 * `kubernetes:apply`, `kubernetes:create-namespace` — through
 * `@kubernetes/client-node` on the configured clusters.
 */
export function createKubernetesActions(clusters: KubernetesCluster[]) {
  const clients = new Map(clusters.map(c => [c.name, new ClusterClient(c)]));
  const pick = (name?: string) => {
    const client = name ? clients.get(name) : clients.values().next().value;
    if (!client) {
      throw new Error(
        name
          ? `no Kubernetes cluster named '${name}' (configured: ${
              clusters.map(c => c.name).join(', ') || 'none'
            })`
          : 'no Kubernetes cluster is configured (eventOrchestration.kubernetes.clusters)',
      );
    }
    return client;
  };

  const scale = createOrchestrationAction({
    id: 'kubernetes:scale',
    description:
      'Sets the replicas of a Deployment or StatefulSet (directly on the cluster; for GitOps-managed apps prefer gitops:set-replicas).',
    schema: {
      input: z
        .object({
          ...target,
          kind: workloadKind,
          replicas: z.number().int().min(0).optional(),
          increment: z
            .number()
            .int()
            .optional()
            .describe('Added to the current replicas instead of setting them'),
          max: z
            .number()
            .int()
            .min(0)
            .optional()
            .describe('Never scale above this'),
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

  const rolloutRestart = createOrchestrationAction({
    id: 'kubernetes:rollout-restart',
    description:
      'Restarts the pods of a Deployment or StatefulSet as `kubectl rollout restart` does; a retried step does not restart twice.',
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

  const patch = createOrchestrationAction({
    id: 'kubernetes:patch',
    description:
      'Patches any object: merge (RFC 7386), strategic merge, or JSON patch (RFC 6902).',
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

  const apply = createOrchestrationAction({
    id: 'kubernetes:apply',
    description:
      'Server-side applies manifests (objects, or YAML with several documents); applying the same manifests again changes nothing.',
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
        })
        .strict(),
      output: z.object({ applied: z.array(z.string()) }),
    },
    async handler(ctx) {
      const client = pick(ctx.input.cluster).withSignal(ctx.signal);
      const objects = manifestList(ctx.input.manifests);
      const applied: string[] = [];
      for (const object of objects) {
        if (!object.apiVersion || !object.kind || !object.metadata?.name) {
          throw new Error(
            `every manifest needs apiVersion, kind and metadata.name (got ${JSON.stringify(
              object,
            ).slice(0, 120)})`,
          );
        }
        const namespace = object.metadata.namespace ?? ctx.input.namespace;
        const withNamespace = namespace
          ? { ...object, metadata: { ...object.metadata, namespace } }
          : object;
        const ref = `${object.kind} ${namespace ? `${namespace}/` : ''}${
          object.metadata.name
        }`;
        await k8s(`applying ${ref}`, () => client.apply(withNamespace));
        applied.push(ref);
        ctx.logger.info(`applied ${ref} on ${client.cluster.name}`);
      }
      ctx.output('applied', applied);
    },
  });

  const createNamespace = createOrchestrationAction({
    id: 'kubernetes:create-namespace',
    description:
      'Creates (or updates) a namespace with labels, an optional ResourceQuota, and a RoleBinding that gives the owning team a ClusterRole in it.',
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
          },
        },
      ];
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

  const WORKFLOW_DONE = ['Succeeded', 'Failed', 'Error'];
  const submitWorkflow = createOrchestrationAction({
    id: 'argo-workflows:submit',
    description:
      'Submits an Argo Workflow from a WorkflowTemplate or an inline spec, with parameters; optionally waits for it to finish. A retried step finds the workflow it already submitted.',
    defaultTimeout: '30m',
    schema: {
      input: z
        .object({
          cluster: target.cluster,
          namespace: target.namespace,
          workflowTemplate: z
            .string()
            .min(1)
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

  return [scale, rolloutRestart, patch, apply, createNamespace, submitWorkflow];
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
