export { createArgoCdActions, readArgoCdInstances } from './argocdActions';
export type { ArgoCdInstance } from './argocdActions';
