import { ArgoCdInstance } from './argocdClient';
import { createArgoCdSyncAction } from './syncAction';
import { createArgoCdGetStatusAction } from './getStatusAction';

export { readArgoCdInstances } from './argocdClient';
export type { ArgoCdInstance } from './argocdClient';

/** `argocd:sync` and `argocd:get-status`, through Argo CD's REST API. */
export function createArgoCdActions(
  instances: ArgoCdInstance[],
  options: { pollIntervalMs?: number } = {},
) {
  return [
    createArgoCdSyncAction(instances, options),
    createArgoCdGetStatusAction(instances),
  ];
}
