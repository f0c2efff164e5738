import { Config } from '@backstage/config';
import { parseDuration } from '@edo/plugin-event-orchestration-common';
import { z } from 'zod';
import { Dialect, ManualActionApproval } from './store';
import {
  readBackstageEventsSources,
  readKubernetesSources,
  readNatsSubjectSources,
  readSchedules,
  readWebhookSources,
} from './sources';
import {
  BuiltinActionSettings,
  createGitHubResolver,
  readArgoCdInstances,
  readGitRemotePolicy,
  readGitUrlSchemes,
  readHttpRequestActionOptions,
  readChatSettings,
  readPrometheusSettings,
  approversSchema,
} from './actions';
import {
  ALLOW_SELF_APPROVAL_KEY,
  ApprovalSettings,
} from './runs/approvalDecision';
import { readKubernetesClusters } from './shared/kubernetes/clusters';
import { readRetentionSettings } from './retention';
import { knownSecretValues } from './shared/redaction/knownSecretValues';
import { TemplateSecrets } from './shared/templating/secrets';
import {
  NatsConnectionSettings,
  readNatsConnectionSettings,
} from './shared/nats/natsConnection';

/**
 * What this replica does besides accepting events (every replica ingests):
 * evaluating them (the sensor engine) and executing runs. Turning one off lets
 * a deployment scale webhook ingest apart from the work, as Argo Events splits
 * event sources from sensors.
 */
export interface ReplicaRoles {
  sensorEngine: boolean;
  runs: boolean;
}

/**
 * Everything the plugin reads from `eventOrchestration` at start-up, read and
 * validated once (a bad value fails start-up naming its key). Sensors are
 * read by the sensor registry, which re-reads them when their files change;
 * the bus reads `eventOrchestration.bus` where it is built.
 */
export interface OrchestrationConfig {
  roles: ReplicaRoles;
  /** Events the sensor engine of this process evaluates at once. */
  sensorEngineConcurrency: number;
  /** Runs this process executes at once. */
  runConcurrency: number;
  /** Re-load sensor files when they change (default: in development only). */
  watchSensorFiles: boolean;
  secrets: {
    /** Configured secret values, scrubbed from everything stored or shown. */
    values: string[];
    /** What `${{ secrets.<name> }}` resolves to in step inputs. */
    templates: TemplateSecrets;
  };
  sources: {
    webhooks: ReturnType<typeof readWebhookSources>;
    schedules: ReturnType<typeof readSchedules>;
    natsSubjects: ReturnType<typeof readNatsSubjectSources>;
    /** The NATS servers the subject sources listen to (set when there are any). */
    nats?: NatsConnectionSettings;
    kubernetes: ReturnType<typeof readKubernetesSources>;
    backstageEvents: ReturnType<typeof readBackstageEventsSources>;
  };
  actions: BuiltinActionSettings;
  /** Actions `POST /actions/:id/runs` may start (`eventOrchestration.actions.manual`). */
  manualActions: ManualActionSettings;
  /** Who may decide approvals (`eventOrchestration.approvals`). */
  approvals: ApprovalSettings;
  retention: ReturnType<typeof readRetentionSettings>;
}

/** Which actions users may run by hand; sensors may call every action. */
export interface ManualActionSettings {
  allowed: ReadonlySet<string>;
  /** Actions whose runs by hand wait for an approval first, by action id. */
  requireApproval: ReadonlyMap<string, ManualActionApproval>;
}

const MANUAL_ACTIONS_KEY = 'eventOrchestration.actions.manual.allowed';

/**
 * Runnable by hand unless configured otherwise: the actions that only read or
 * tell someone. Anything that changes a repository, a cluster or calls a URL
 * the caller chose (gitops:*, kubernetes:*, http:request, …) must be listed.
 */
export const DEFAULT_MANUAL_ACTIONS = [
  'log',
  'argocd:get-status',
  'notification:send',
];

function readManualActions(config: Config): ManualActionSettings {
  const allowed =
    config.getOptionalStringArray(MANUAL_ACTIONS_KEY) ?? DEFAULT_MANUAL_ACTIONS;
  const blank = allowed.findIndex(id => id.trim() === '' || id !== id.trim());
  if (blank >= 0) {
    throw new Error(
      `${MANUAL_ACTIONS_KEY}[${blank}] must be an action id such as log or argocd:get-status, got '${allowed[blank]}'`,
    );
  }
  return {
    allowed: new Set(allowed),
    requireApproval: readRequireApproval(config),
  };
}

const REQUIRE_APPROVAL_KEY =
  'eventOrchestration.actions.manual.requireApproval';

const actionId = z
  .string()
  .min(1)
  .max(255)
  .refine(
    id => id === id.trim(),
    'must be an action id such as kubernetes:apply',
  );

const requireApprovalSchema = z.array(
  z.union([
    actionId,
    z
      .object({
        action: actionId,
        approvers: approversSchema.optional(),
        timeout: z
          .string()
          .refine(d => {
            const ms = parseDuration(d);
            return ms !== undefined && ms <= 30 * 24 * 3600_000;
          }, 'must be a duration such as 4h or 1d, at most 30d')
          .optional(),
      })
      .strict(),
  ]),
);

function readRequireApproval(
  config: Config,
): ReadonlyMap<string, ManualActionApproval> {
  const parsed = requireApprovalSchema.safeParse(
    config.getOptional(REQUIRE_APPROVAL_KEY) ?? [],
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${[REQUIRE_APPROVAL_KEY, ...issue.path].join('.')}: ${issue.message}`,
    );
  }
  const byAction = new Map<string, ManualActionApproval>();
  for (const entry of parsed.data) {
    if (typeof entry === 'string') byAction.set(entry, {});
    else {
      const { action, ...approval } = entry;
      byAction.set(action, approval);
    }
  }
  return byAction;
}

function concurrencyOf(config: Config, key: string, fallback: number): number {
  const configured = config.getOptionalNumber(key);
  if (configured === undefined) return fallback;
  if (!Number.isInteger(configured) || configured < 1 || configured > 256) {
    throw new Error(
      `${key} must be an integer from 1 to 256, got ${configured}`,
    );
  }
  return configured;
}

function readNatsSourceSettings(
  config: Config,
  natsSubjects: unknown[],
): NatsConnectionSettings | undefined {
  if (natsSubjects.length === 0) return undefined;
  const nats = config.getOptionalConfig('eventOrchestration.bus.nats');
  if (!nats) {
    throw new Error(
      'eventOrchestration.sources.natsSubjects needs eventOrchestration.bus.nats (the NATS servers to listen to)',
    );
  }
  return readNatsConnectionSettings(nats);
}

/** Reads and validates the plugin's configuration; throws naming the bad key. */
export function readOrchestrationConfig(
  config: Config,
  options: { dialect: Dialect },
): OrchestrationConfig {
  const postgres = options.dialect === 'postgres';
  const natsSubjects = readNatsSubjectSources(config);
  return {
    roles: {
      sensorEngine:
        config.getOptionalBoolean('eventOrchestration.sensorEngine.enabled') ??
        true,
      runs:
        config.getOptionalBoolean('eventOrchestration.runs.enabled') ?? true,
    },
    // Each event holds its sensor group's lock in a transaction, so several at
    // once are as safe as several replicas; it pays on PostgreSQL, where an
    // event mostly waits for round trips. SQLite has one writer.
    sensorEngineConcurrency: concurrencyOf(
      config,
      'eventOrchestration.sensorEngine.concurrency',
      postgres ? 8 : 1,
    ),
    // Steps mostly wait (HTTP, git, the database): more runs at once pay on
    // PostgreSQL; SQLite's one writer keeps 4.
    runConcurrency: concurrencyOf(
      config,
      'eventOrchestration.runs.concurrency',
      postgres ? 16 : 4,
    ),
    watchSensorFiles:
      config.getOptionalBoolean('eventOrchestration.watchSensorFiles') ??
      process.env.NODE_ENV === 'development',
    secrets: {
      values: knownSecretValues(config),
      templates: TemplateSecrets.fromConfig(config),
    },
    sources: {
      webhooks: readWebhookSources(config),
      schedules: readSchedules(config),
      natsSubjects,
      nats: readNatsSourceSettings(config, natsSubjects),
      kubernetes: readKubernetesSources(config),
      backstageEvents: readBackstageEventsSources(config),
    },
    actions: {
      http: readHttpRequestActionOptions(config),
      gitops: {
        author: {
          name:
            config.getOptionalString('eventOrchestration.gitops.author.name') ??
            'Event Orchestration',
          email:
            config.getOptionalString(
              'eventOrchestration.gitops.author.email',
            ) ?? 'event-orchestration@backstage.local',
        },
        github: createGitHubResolver(config),
        allowedUrlSchemes: readGitUrlSchemes(config),
        remotePolicy: readGitRemotePolicy(config),
      },
      argocd: readArgoCdInstances(config),
      kubernetesClusters: readKubernetesClusters(config),
      chat: readChatSettings(config),
      prometheus: readPrometheusSettings(config),
    },
    manualActions: readManualActions(config),
    approvals: {
      allowSelfApproval:
        config.getOptionalBoolean(ALLOW_SELF_APPROVAL_KEY) ?? false,
    },
    retention: readRetentionSettings(config),
  };
}
