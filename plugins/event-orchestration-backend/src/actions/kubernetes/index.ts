export {
  createKubernetesActions,
  readKubernetesClusters,
  manifestList,
} from './kubernetesActions';
export type { KubernetesCluster } from './kubernetesActions';
