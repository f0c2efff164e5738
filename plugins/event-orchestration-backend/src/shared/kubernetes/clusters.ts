import { Config } from '@backstage/config';
import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

/** A cluster the Kubernetes and Argo Workflows actions may act on. */
export interface KubernetesCluster {
  name: string;
  url: string;
  serviceAccountToken?: string;
  caData?: string;
  skipTLSVerify: boolean;
}

/**
 * @kubernetes/client-node's rule, applied when reading config so startup names
 * the entry: plain HTTP only where TLS checks are knowingly off.
 */
export function checkPlainHttpAllowed(
  where: string,
  url: string,
  skipTLSVerify: boolean,
): void {
  if (url.startsWith('http://') && !skipTLSVerify) {
    throw new Error(
      `${where}.url '${url}': an http:// URL needs skipTLSVerify: true`,
    );
  }
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
    checkPlainHttpAllowed(`${where}[${i}]`, url, skipTLSVerify);
    return {
      name: entry.getString('name'),
      url,
      serviceAccountToken: entry.getOptionalString('serviceAccountToken'),
      caData: entry.getOptionalString('caData'),
      skipTLSVerify,
    };
  });
}

/** A Kubernetes object as the API returns it. */
export type K8sObject = KubernetesObject & { [key: string]: any };

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
