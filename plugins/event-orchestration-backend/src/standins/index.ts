/**
 * Stand-ins for third-party APIs we cannot run here, for tests and for the
 * example app on a laptop: `@edo/plugin-event-orchestration-backend/standins`.
 * Not for production.
 */
export {
  createKubernetesApiStandIn,
  startFakeKubernetes,
} from './kubernetesApi';
export type { KubernetesApiStandIn, FakeKubernetes } from './kubernetesApi';
