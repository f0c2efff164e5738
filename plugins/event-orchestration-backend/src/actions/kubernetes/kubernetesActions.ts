import { createSubmitWorkflowAction } from '../argoWorkflows';
import { createApplyAction } from './apply';
import { clusterPicker } from './clusterClient';
import { KubernetesCluster } from '../../shared/kubernetes/clusters';
import { createCreateNamespaceAction } from './createNamespace';
import { createPatchAction } from './patch';
import { createRolloutRestartAction } from './rolloutRestart';
import { createScaleAction } from './scale';

export {
  readKubernetesClusters,
  kubeConfigFor,
} from '../../shared/kubernetes/clusters';
export type { KubernetesCluster } from '../../shared/kubernetes/clusters';
export { manifestList } from './apply';

/**
 * `kubernetes:scale`, `kubernetes:rollout-restart`, `kubernetes:patch`,
 * `kubernetes:apply`, `kubernetes:create-namespace` and `argo-workflows:submit`
 * — through `@kubernetes/client-node` on the configured clusters.
 */
export function createKubernetesActions(clusters: KubernetesCluster[]) {
  const pick = clusterPicker(clusters);
  return [
    createScaleAction(pick),
    createRolloutRestartAction(pick),
    createPatchAction(pick),
    createApplyAction(pick),
    createCreateNamespaceAction(pick),
    createSubmitWorkflowAction(pick),
  ];
}
