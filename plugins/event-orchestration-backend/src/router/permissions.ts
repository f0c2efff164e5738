import {
  BackstageCredentials,
  HttpAuthService,
  PermissionsRegistryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  CATALOG_ENTITY_RESOURCE_TYPE,
  adminPermission,
} from '@edo/plugin-event-orchestration-common';
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
  credentials(
    req: express.Request<any, any, any, any>,
  ): Promise<BackstageCredentials> {
    return this.deps.httpAuth.credentials(req as express.Request, {
      allow: ['user', 'service'],
    });
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

  /** Whether `credentials` hold a basic permission (no error either way). */
  async isAllowed(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ): Promise<boolean> {
    const [decision] = await this.deps.permissions.authorize([{ permission }], {
      credentials,
    });
    return decision.result === AuthorizeResult.ALLOW;
  }

  /** {@link PermissionCheck.credentials} then {@link PermissionCheck.authorize}. */
  async authorizeCaller(
    req: express.Request,
    permission: BasicPermission,
    doing: string,
  ): Promise<string> {
    return this.authorize(await this.credentials(req), permission, doing);
  }

  /**
   * Resolves with the actor when `credentials` hold `permission` on every one
   * of `entityRefs` (the catalog applies a policy's conditions, such as
   * `isEntityOwner`); with no entity concerned, {@link adminPermission} is
   * needed instead. Otherwise throws naming the permission and the entity.
   */
  async authorizeEntities(
    credentials: BackstageCredentials,
    permission: ResourcePermission<typeof CATALOG_ENTITY_RESOURCE_TYPE>,
    entityRefs: readonly string[],
    doing: string,
  ): Promise<string> {
    if (entityRefs.length === 0) {
      return this.authorize(
        credentials,
        adminPermission,
        `${doing}, which concerns no catalog entity,`,
      );
    }
    const decisions = await this.deps.permissions.authorize(
      entityRefs.map(resourceRef => ({ permission, resourceRef })),
      { credentials },
    );
    const denied = entityRefs.filter(
      (_, i) => decisions[i].result !== AuthorizeResult.ALLOW,
    );
    if (denied.length > 0) {
      throw new NotAllowedError(
        `Not allowed to ${doing} for ${denied.join(', ')} (permission ${
          permission.name
        })`,
      );
    }
    return actorOf(credentials);
  }

  /**
   * What `credentials` may read: a record concerning entities is readable
   * when one of them is readable in the catalog (`catalog.entity.read`, so
   * the catalog's own policy decides); one concerning none only with
   * {@link adminPermission}. Asks the permission framework once per page,
   * not once per record.
   */
  async readableFilter(
    credentials: BackstageCredentials,
    entityRefsOfRecords: ReadonlyArray<readonly string[]>,
  ): Promise<(entityRefs: readonly string[]) => boolean> {
    if (await this.isAllowed(credentials, adminPermission)) return () => true;
    const [catalogRead] = await this.deps.permissions.authorizeConditional(
      [{ permission: catalogEntityReadPermission }],
      { credentials },
    );
    if (catalogRead.result === AuthorizeResult.ALLOW) {
      return refs => refs.length > 0;
    }
    if (catalogRead.result === AuthorizeResult.DENY) return () => false;
    const refs = [...new Set(entityRefsOfRecords.flat())];
    const decisions = refs.length
      ? await this.deps.permissions.authorize(
          refs.map(resourceRef => ({
            permission: catalogEntityReadPermission,
            resourceRef,
          })),
          { credentials },
        )
      : [];
    const readable = new Set(
      refs.filter((_, i) => decisions[i].result === AuthorizeResult.ALLOW),
    );
    return entityRefs => entityRefs.some(ref => readable.has(ref));
  }

  /** The records of `items` that `credentials` may read (see {@link PermissionCheck.readableFilter}). */
  async readable<T>(
    credentials: BackstageCredentials,
    items: T[],
    entityRefsOf: (item: T) => readonly string[],
  ): Promise<T[]> {
    const mayRead = await this.readableFilter(
      credentials,
      items.map(entityRefsOf),
    );
    return items.filter(item => mayRead(entityRefsOf(item)));
  }
}
