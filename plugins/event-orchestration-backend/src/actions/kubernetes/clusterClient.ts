import {
  HttpMethod,
  createConfiguration,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import {
  K8sObject,
  KubernetesCluster,
  kubeConfigFor,
} from '../../shared/kubernetes/clusters';

/** The field manager of every change we make (server-side apply ownership). */
export const FIELD_MANAGER = 'event-orchestration';

/**
 * The generic object API plus JSON patch, which it lacks (its `patch` sends an
 * object; a JSON patch is a list): same URL from discovery, same TLS and
 * credentials, through the client's own request path.
 */
export class ObjectApi extends KubernetesObjectApi {
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
export class ClusterClient {
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
export function describeError(error: any): string {
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

export async function k8s<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(`${what}: ${describeError(error)}`);
  }
}

export function statusCode(error: any): number | undefined {
  return error?.code ?? error?.statusCode ?? error?.response?.statusCode;
}

/** Finds the client of a configured cluster by name (default: the first). */
export type ClusterPicker = (name?: string) => ClusterClient;

/** The clients of the configured clusters, picked by a step's `cluster` input. */
export function clusterPicker(clusters: KubernetesCluster[]): ClusterPicker {
  const clients = new Map(clusters.map(c => [c.name, new ClusterClient(c)]));
  return (name?: string) => {
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
}
