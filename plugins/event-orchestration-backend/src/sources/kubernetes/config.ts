import { Config } from '@backstage/config';
import {
  KubernetesCluster,
  checkPlainHttpAllowed,
} from '../../shared/kubernetes/clusters';

/** A resource kind to watch besides core Events. */
export interface KubernetesWatchedResource {
  apiVersion: string;
  kind: string;
  labelSelector?: string;
}

/** One cluster of `eventOrchestration.sources.kubernetes[]`. */
export interface KubernetesClusterSource extends KubernetesCluster {
  /** Only this namespace; default all namespaces. */
  namespace?: string;
  /** Watch core `Event`s (default true). */
  events: boolean;
  resources: KubernetesWatchedResource[];
}

/** Reads `eventOrchestration.sources.kubernetes`; a bad entry stops startup. */
export function readKubernetesSources(
  config: Config,
): KubernetesClusterSource[] {
  return (
    config.getOptionalConfigArray('eventOrchestration.sources.kubernetes') ?? []
  ).map((entry, i) => {
    const where = `eventOrchestration.sources.kubernetes[${i}]`;
    const name = entry.getString('name');
    if (!/^[a-z0-9][-a-z0-9_]*$/.test(name)) {
      throw new Error(
        `${where}.name '${name}' must be lower-case letters, digits, '-' or '_'`,
      );
    }
    const url = entry.getString('url');
    if (!/^https?:\/\//.test(url))
      throw new Error(`${where}.url '${url}' must be an http(s) URL`);
    const skipTLSVerify = entry.getOptionalBoolean('skipTLSVerify') ?? false;
    checkPlainHttpAllowed(where, url, skipTLSVerify);
    return {
      name,
      url: url.replace(/\/+$/, ''),
      serviceAccountToken: entry.getOptionalString('serviceAccountToken'),
      caData: entry.getOptionalString('caData'),
      skipTLSVerify,
      namespace: entry.getOptionalString('namespace'),
      events: entry.getOptionalBoolean('events') ?? true,
      resources: (entry.getOptionalConfigArray('resources') ?? []).map(r => ({
        apiVersion: r.getString('apiVersion'),
        kind: r.getString('kind'),
        labelSelector: r.getOptionalString('labelSelector'),
      })),
    };
  });
}
