import { PermissionsRegistryService } from '@backstage/backend-plugin-api';
import { ACTION_RESOURCE_TYPE } from '@edo/plugin-event-orchestration-common';
import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';

/** An action as permission rules see it: its id. */
export interface ActionResource {
  id: string;
}

/** What IS_ACTION translates to; actions are never queried in bulk. */
type IsActionQuery = { ids: string[] };

/** The `event-orchestration-action` resource type; its resource ref is the action id. */
export const actionPermissionResourceRef = createPermissionResourceRef<
  ActionResource,
  IsActionQuery
>().with({
  pluginId: 'event-orchestration',
  resourceType: ACTION_RESOURCE_TYPE,
});

type IsActionParams = { ids: string[] };

const idsJsonSchema = () => ({
  type: 'object',
  required: ['ids'],
  additionalProperties: false,
  properties: {
    ids: {
      type: 'array',
      items: { type: 'string' },
      description: 'Action ids, such as log',
    },
  },
});

/** The rule's parameters as a Standard Schema (validation and JSON Schema). */
const isActionParams = {
  '~standard': {
    version: 1 as const,
    vendor: 'event-orchestration',
    validate: (value: unknown) => {
      const ids = (value as Partial<IsActionParams> | null)?.ids;
      return Array.isArray(ids) && ids.every(id => typeof id === 'string')
        ? { value: { ids } }
        : { issues: [{ message: 'ids must be a list of action ids' }] };
    },
    jsonSchema: { input: idsJsonSchema, output: idsJsonSchema },
  },
};

/**
 * `IS_ACTION`: the action is one of `ids`. A policy answers
 * `event-orchestration.action.run` with a conditional decision on it, since a
 * policy sees the permission but not which action is asked for.
 */
export const isAction = createPermissionRule<
  typeof actionPermissionResourceRef,
  IsActionParams
>({
  name: 'IS_ACTION',
  description: 'Allow only the actions with these ids',
  resourceRef: actionPermissionResourceRef,
  paramsSchema: isActionParams,
  apply: (action, { ids }) => ids.includes(action.id),
  toQuery: ({ ids }) => ({ ids }),
});

/**
 * For permission policies: `actionConditions.isAction({ ids: ['log'] })` and
 * `createActionConditionalDecision(permission, condition)`, as the catalog
 * exports `catalogConditions`. @public
 */
export const {
  conditions: actionConditions,
  createConditionalDecision: createActionConditionalDecision,
} = createConditionExports({
  resourceRef: actionPermissionResourceRef,
  rules: { isAction },
});

/**
 * Registers the action resource type, so the permission framework can resolve
 * a conditional decision on an action id (`hasAction` answers for ids the
 * registry knows; an unknown id matches no rule).
 */
export function registerActionResourceType(
  registry: Pick<PermissionsRegistryService, 'addResourceType'>,
  hasAction: (id: string) => boolean,
) {
  registry.addResourceType({
    resourceRef: actionPermissionResourceRef,
    rules: [isAction],
    getResources: async ids =>
      ids.map(id => (hasAction(id) ? { id } : undefined)),
  });
}
