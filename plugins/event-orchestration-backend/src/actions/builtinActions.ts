import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import {
  EventBus,
  OrchestrationAction,
} from '@edo/plugin-event-orchestration-node';
import { EntityResolver } from '../catalog';
import { RunStore } from '../store';
import { KubernetesCluster } from '../shared/kubernetes/clusters';
import { createApprovalAction } from './approval';
import { ArgoCdInstance, createArgoCdActions } from './argocd/argocdActions';
import { createCatalogRegisterAction } from './catalog';
import { ChatSettings, createChatReplyAction } from './chat';
import { createEventPublishAction } from './events';
import { createGitopsActions } from './gitops';
import {
  HttpRequestActionOptions,
  createHttpRequestAction,
} from './http/httpRequestAction';
import { createKubernetesActions } from './kubernetes';
import { clusterPicker } from './kubernetes/clusterClient';
import { createRolloutStatusAction } from './kubernetes/rolloutStatus';
import { logAction } from './log';
import { createNotificationAction } from './notifications';
import { PrometheusSettings, createPrometheusQueryAction } from './prometheus';

type GitopsOptions = NonNullable<Parameters<typeof createGitopsActions>[1]>;

/** What the built-in actions take from `eventOrchestration` (read in config.ts). */
export interface BuiltinActionSettings {
  http: HttpRequestActionOptions;
  gitops: GitopsOptions & {
    author: Parameters<typeof createGitopsActions>[0];
  };
  argocd: ArgoCdInstance[];
  kubernetesClusters: KubernetesCluster[];
  /** `eventOrchestration.chat` (`readChatSettings`); unset: Slack's defaults, no bot token. */
  chat?: ChatSettings;
  /** `eventOrchestration.prometheus` (`readPrometheusSettings`); unset: no instance. */
  prometheus?: PrometheusSettings;
}

/** Every action this plugin ships, configured; modules add theirs beside them. */
export function createBuiltinActions(options: {
  settings: BuiltinActionSettings;
  bus: EventBus;
  entities: EntityResolver;
  approvals: Pick<
    RunStore,
    'requestApproval' | 'getApproval' | 'timeOutApproval'
  >;
  discovery: Pick<DiscoveryService, 'getBaseUrl'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials' | 'getPluginRequestToken'>;
}): OrchestrationAction[] {
  const { settings, discovery, auth } = options;
  const { author, ...gitops } = settings.gitops;
  return [
    createHttpRequestAction(settings.http),
    logAction,
    createEventPublishAction(options.bus),
    ...createGitopsActions(author, gitops),
    ...createArgoCdActions(settings.argocd),
    ...createKubernetesActions(settings.kubernetesClusters),
    createRolloutStatusAction(clusterPicker(settings.kubernetesClusters)),
    createNotificationAction({ discovery, auth }, options.entities),
    createCatalogRegisterAction({ discovery, auth }),
    createApprovalAction(options.approvals, options.entities),
    createChatReplyAction(settings.chat),
    createPrometheusQueryAction(settings.prometheus),
  ];
}
