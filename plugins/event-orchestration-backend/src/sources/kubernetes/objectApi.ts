import { KubernetesObjectApi } from '@kubernetes/client-node';

/** Exposes the collection path the client computes from API discovery, for the watch. */
export class ObjectApi extends KubernetesObjectApi {
  collectionPath(apiVersion: string, kind: string, namespace?: string) {
    return this.specUriPath(
      { apiVersion, kind, metadata: { namespace } },
      'list',
    );
  }
}
