import {
  BackstageCredentials,
  HttpAuthService,
  PermissionsRegistryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionResourceRef,
  createConditionAuthorizer,
} from '@backstage/plugin-permission-node';
import express from 'express';

/** The entity ref of a user, or `service:<subject>` for a service. */
export function actorOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    userEntityRef?: string;
    subject?: string;
  };
  return p.userEntityRef ?? `service:${p.subject ?? 'unknown'}`;
}

/**
 * The one place routes check who may do what (the scaffolder's
 * `checkPermission` is the model): the caller's credentials, the permission
 * decision, and a NotAllowedError naming the permission when it is denied.
 */
export class PermissionCheck {
  constructor(
    private readonly deps: {
      httpAuth: HttpAuthService;
      permissions: PermissionsService;
      permissionsRegistry: Pick<
        PermissionsRegistryService,
        'getPermissionRuleset'
      >;
    },
  ) {}

  /** The calling user or service. */
  credentials(req: express.Request): Promise<BackstageCredentials> {
    return this.deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
  }

  /**
   * Resolves with the actor (see {@link actorOf}) when `credentials` hold
   * `permission`; otherwise throws `Not allowed to <doing> (permission <name>)`.
   */
  async authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission,
    doing: string,
  ): Promise<string> {
    const [decision] = await this.deps.permissions.authorize([{ permission }], {
      credentials,
    });
    return this.allowedOrThrow(decision.result, credentials, permission, doing);
  }

  /**
   * {@link PermissionCheck.authorize} for a resource permission on one
   * resource: a policy sees the permission, not the resource, so it may answer
   * with conditions (`IS_ACTION`, …), applied here to `resource` with the rules
   * registered for its type (the scaffolder's way). Anything that does not
   * end in ALLOW is refused.
   */
  async authorizeResource<TResource>(
    credentials: BackstageCredentials,
    permission: ResourcePermission,
    resource: {
      type: PermissionResourceRef<TResource, any, string>;
      value: TResource;
    },
    doing: string,
  ): Promise<string> {
    const [decision] = await this.deps.permissions.authorizeConditional(
      [{ permission }],
      { credentials },
    );
    const allowed =
      decision.result === AuthorizeResult.CONDITIONAL
        ? createConditionAuthorizer(
            this.deps.permissionsRegistry.getPermissionRuleset(resource.type),
          )(decision, resource.value)
        : decision.result === AuthorizeResult.ALLOW;
    return this.allowedOrThrow(
      allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
      credentials,
      permission,
      doing,
    );
  }

  private allowedOrThrow(
    result: AuthorizeResult,
    credentials: BackstageCredentials,
    permission: BasicPermission | ResourcePermission,
    doing: string,
  ): string {
    if (result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed to ${doing} (permission ${permission.name})`,
      );
    }
    return actorOf(credentials);
  }

  /** {@link PermissionCheck.credentials} then {@link PermissionCheck.authorize}. */
  async authorizeCaller(
    req: express.Request,
    permission: BasicPermission,
    doing: string,
  ): Promise<string> {
    return this.authorize(await this.credentials(req), permission, doing);
  }
}
