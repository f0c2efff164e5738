/*
 * The example's permission policy (issue 18, finding 5): the allow-all policy
 * hid every refusal when trying the example, so it is replaced by this one.
 * It is an example to adapt, not a recommendation for your organisation.
 */
import {
  coreServices,
  createBackendModule,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  catalogEntityCreatePermission,
  catalogLocationCreatePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  actionConditions,
  createActionConditionalDecision,
} from '@edo/plugin-event-orchestration-backend';
import {
  actionRunPermission,
  adminPermission,
  CATALOG_ENTITY_RESOURCE_TYPE,
  deadLetterRedrivePermission,
  entityEventPublishPermission,
  entityRunApprovePermission,
  entityRunManagePermission,
  eventPublishPermission,
  runApprovePermission,
  runManagePermission,
  sensorTestPermission,
} from '@edo/plugin-event-orchestration-common';

/** Its members administer the example: every permission is theirs. */
export const ADMIN_GROUP = 'group:default/platform-team';

/**
 * What others may run by hand: the actions that only read or tell someone
 * (the default of `eventOrchestration.actions.manual.allowed`), and only
 * about entities they own (`event-orchestration.entity.run.manage`).
 */
export const ACTIONS_RUNNABLE_BY_ANYONE = [
  'log',
  'argocd:get-status',
  'notification:send',
];

const entityPermissions = [
  entityEventPublishPermission,
  entityRunManagePermission,
  entityRunApprovePermission,
];

const globalPermissions = [
  eventPublishPermission,
  runManagePermission,
  runApprovePermission,
  deadLetterRedrivePermission,
  sensorTestPermission,
];

/**
 * - members of `group:default/platform-team` may do everything;
 * - everyone else signed in reads the catalog and uses the rest of the
 *   example app (scaffolder, notifications, search, …) as the allow-all
 *   policy let them, but refresh or delete only catalog entities they own;
 * - event orchestration: the global permissions for all; acting on an entity
 *   (publishing about it, retrying, cancelling, approving, running an action
 *   about it) only for its owners (the catalog's `isEntityOwner`); running an
 *   action by hand only for {@link ACTIONS_RUNNABLE_BY_ANYONE};
 *   `event-orchestration.admin` (what concerns no entity) never.
 */
export class ExamplePermissionPolicy implements PermissionPolicy {
  constructor(private readonly userInfo: UserInfoService) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    // The user and their groups as the sign-in resolver put them in the token.
    const ownership = user
      ? (await this.userInfo.getUserInfo(user.credentials)).ownershipEntityRefs
      : [];
    if (ownership.includes(ADMIN_GROUP)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const { permission } = request;

    if (isPermission(permission, adminPermission)) {
      return { result: AuthorizeResult.DENY };
    }
    if (entityPermissions.some(p => isPermission(permission, p))) {
      return createCatalogConditionalDecision(
        permission as typeof entityRunManagePermission,
        catalogConditions.isEntityOwner({ claims: ownership }),
      );
    }
    if (isPermission(permission, actionRunPermission)) {
      return createActionConditionalDecision(
        permission,
        actionConditions.isAction({ ids: ACTIONS_RUNNABLE_BY_ANYONE }),
      );
    }
    if (globalPermissions.some(p => isPermission(permission, p))) {
      return { result: AuthorizeResult.ALLOW };
    }

    // The catalog: everyone reads; refreshing or deleting an entity only its
    // owners.
    if (isResourcePermission(permission, CATALOG_ENTITY_RESOURCE_TYPE)) {
      if (permission.attributes.action === 'read') {
        return { result: AuthorizeResult.ALLOW };
      }
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: ownership }),
      );
    }
    // Registering entities is the platform team's: an entity whose
    // annotation claims an event subject (`argocd/app-name: payments`) is
    // linked to that application's events and its readers see them.
    if (
      isPermission(permission, catalogLocationCreatePermission) ||
      isPermission(permission, catalogEntityCreatePermission)
    ) {
      return { result: AuthorizeResult.DENY };
    }
    // Everything else in the example app (scaffolder, notifications, search,
    // kubernetes, …) stays as the allow-all policy had it.
    return { result: AuthorizeResult.ALLOW };
  }
}

/** Registers {@link ExamplePermissionPolicy} with the permission backend. */
export const examplePermissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'example-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, userInfo: coreServices.userInfo },
      async init({ policy, userInfo }) {
        policy.setPolicy(new ExamplePermissionPolicy(userInfo));
      },
    });
  },
});
