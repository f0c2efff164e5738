export { readKubernetesSources } from './config';
export type {
  KubernetesClusterSource,
  KubernetesWatchedResource,
} from './config';
export { KubernetesSources } from './KubernetesSources';
export type { KubernetesWatchStatus } from './CollectionWatch';
export { resourceChangeToEvent } from './toEvents';
