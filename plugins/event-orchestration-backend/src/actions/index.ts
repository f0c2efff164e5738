export { createBuiltinActions } from './builtinActions';
export type { BuiltinActionSettings } from './builtinActions';
export { ActionRegistry } from './ActionRegistry';
export {
  createHttpRequestAction,
  httpRequestAction,
  readHttpRequestActionOptions,
} from './http/httpRequestAction';
export { logAction } from './log';
export { createEventPublishAction } from './events';
export {
  createGitopsActions,
  createGitHubResolver,
  readGitRemotePolicy,
  readGitUrlSchemes,
} from './gitops';
export { createArgoCdActions, readArgoCdInstances } from './argocd';
export { createNotificationAction } from './notifications';
export { approversSchema, createApprovalAction } from './approval';
export { createKubernetesActions, readKubernetesClusters } from './kubernetes';
export { createCatalogRegisterAction } from './catalog';
export { createChatReplyAction, readChatSettings } from './chat';
export type { ChatSettings } from './chat';
export { createRolloutStatusAction } from './kubernetes/rolloutStatus';
export {
  createPrometheusQueryAction,
  readPrometheusSettings,
} from './prometheus';
export type { PrometheusInstance, PrometheusSettings } from './prometheus';
