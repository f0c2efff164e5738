import {
  HttpAuthService,
  UserInfoService,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  HealthResponse,
  OrchestrationEvent,
  SensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import { ActionRegistry } from '../actions';
import { ManualActionSettings } from '../config';
import { ApprovalDecisionCheck, RunEngine } from '../runs';
import { createOpenApiRouter } from '../schema/openapi';
import { DryRunResult, SensorRegistry } from '../sensors';
import { EventOwnership, WebhookSources } from '../sources';
import { OrchestrationDatabase } from '../store';
import { PermissionCheck } from './permissions';

/** What the REST API serves from. */
export interface RouterOptions {
  store: Pick<
    OrchestrationDatabase,
    'events' | 'evaluations' | 'runs' | 'deadLetters' | 'views'
  >;
  bus: EventBus;
  sources: WebhookSources;
  sensors: Pick<SensorRegistry, 'current' | 'find'>;
  actions: ActionRegistry;
  /** Which actions `POST /actions/:id/runs` may start (config.ts reads them). */
  manualActions: ManualActionSettings;
  /** Evaluates events against a sensor without side effects. */
  dryRun: (
    sensor: SensorSpec,
    events: OrchestrationEvent[],
    /** What the caller may read: stored events and entities are shown only then. */
    caller: {
      mayRead: (entityRefs: string[]) => Promise<boolean>;
      /**
       * Whether the dry run starts from the sensor's live correlation state
       * (windows, counts); otherwise from an empty one.
       */
      liveState: boolean;
    },
  ) => Promise<DryRunResult[]>;
  /**
   * The entities an event would be linked to (its entityref and the entities
   * its subject names), for checking a publisher's permission on each; throws
   * when the catalog cannot be asked.
   */
  eventEntities: (event: OrchestrationEvent) => Promise<string[]>;
  /** Which source owns which event type: what `POST /events` may publish. */
  ownership: Pick<EventOwnership, 'portalMayPublish'>;
  httpAuth: HttpAuthService;
  /** The signed-in user's ownership refs, stamped on what they publish. */
  userInfo: Pick<UserInfoService, 'getUserInfo'>;
  permissions: PermissionsService;
  /** The rules of the plugin's resource types, for conditional decisions. */
  permissionsRegistry: Pick<PermissionsRegistryService, 'getPermissionRuleset'>;
  runs: Pick<RunEngine, 'notify' | 'startActionRun'>;
  /** Who may decide an approval beyond the permission: approvers, no self-approval. */
  approvalDecisions: Pick<ApprovalDecisionCheck, 'check'>;
  logger: LoggerService;
  /** The state of watching sources (Kubernetes), for /health. */
  watches?: () => NonNullable<HealthResponse['watches']>;
  /** What this replica does besides ingest, for /health; default both. */
  roles?: NonNullable<HealthResponse['replica']>;
  /** Resolves when the database answers: the liveness part of /health. */
  pingDatabase: () => Promise<unknown>;
}

/** The router the spec validates, typed by its operations. */
export type ApiRouter = Awaited<ReturnType<typeof createOpenApiRouter>>;

/** What each group of routes gets: the options and the permission check. */
export interface RouteContext extends RouterOptions {
  access: PermissionCheck;
}
