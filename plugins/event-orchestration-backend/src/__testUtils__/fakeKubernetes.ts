// The Kubernetes API stand-in lives in src/standins (the example backend mounts it too).
export { startFakeKubernetes } from '../standins';
export type { FakeKubernetes } from '../standins';
