export { ActionRegistry } from './ActionRegistry';
export {
  createHttpRequestAction,
  httpRequestAction,
  hostAllowed,
} from './httpRequestAction';
export { logAction } from './logAction';
export { createEventPublishAction } from './eventPublishAction';
export { createGitopsActions, createGitHubResolver } from './gitops';
export { createArgoCdActions, readArgoCdInstances } from './argocd';
export { createNotificationAction } from './notifications';
export { createApprovalAction } from './approvalAction';
export { createKubernetesActions, readKubernetesClusters } from './kubernetes';
export { createCatalogRegisterAction } from './catalog';
