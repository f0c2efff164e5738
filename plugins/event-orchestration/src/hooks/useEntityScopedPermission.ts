import { useApi } from '@backstage/core-plugin-api';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  adminPermission,
  CATALOG_ENTITY_RESOURCE_TYPE,
} from '@edo/plugin-event-orchestration-common';
import useAsync from 'react-use/esm/useAsync';

/**
 * Whether the signed-in user may do something the backend checks as a global
 * permission and an entity permission on every entity concerned (or
 * `event-orchestration.admin` when none is). While the answer is on its way
 * `allowed` is false and `missing` undefined; when refused, `missing` names
 * the first permission the user lacks, for the control's tooltip
 * ("Needs event-orchestration.entity.run.manage on component:default/x").
 */
export interface EntityScopedPermission {
  loading: boolean;
  allowed: boolean;
  /** What the user lacks, in words for a tooltip; undefined when allowed or still loading. */
  missing?: string;
}

/** Checks `global`, then `entity` on each of `entityRefs` (admin when there are none). */
export function useEntityScopedPermission(options: {
  global: BasicPermission;
  entity: ResourcePermission<typeof CATALOG_ENTITY_RESOURCE_TYPE>;
  entityRefs: string[];
}): EntityScopedPermission {
  const { global, entity, entityRefs } = options;
  const permissionApi = useApi(permissionApiRef);
  const key = [global.name, entity.name, ...entityRefs].join('\n');

  const { value, loading, error } = useAsync(async () => {
    const checks: Array<{ ask: Promise<AuthorizeResult>; missing: string }> =
      [];
    const ask = (
      request: Parameters<typeof permissionApi.authorize>[0],
    ): Promise<AuthorizeResult> =>
      permissionApi.authorize(request).then(r => r.result);
    checks.push({
      ask: ask({ permission: global }),
      missing: `the permission ${global.name}`,
    });
    if (entityRefs.length === 0) {
      checks.push({
        ask: ask({ permission: adminPermission }),
        missing: `the permission ${adminPermission.name} (it concerns no catalog entity)`,
      });
    }
    for (const resourceRef of entityRefs) {
      checks.push({
        ask: ask({ permission: entity, resourceRef }),
        missing: `${entity.name} on ${resourceRef}`,
      });
    }
    const results = await Promise.all(checks.map(c => c.ask));
    const refused = checks.find((_, i) => results[i] !== AuthorizeResult.ALLOW);
    return refused ? `Needs ${refused.missing}` : undefined;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [permissionApi, key]);

  if (loading) return { loading: true, allowed: false };
  if (error) {
    return {
      loading: false,
      allowed: false,
      missing: `Could not check permissions: ${error.message}`,
    };
  }
  return { loading: false, allowed: value === undefined, missing: value };
}
