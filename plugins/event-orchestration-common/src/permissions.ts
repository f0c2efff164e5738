import { createPermission } from '@backstage/plugin-permission-common';

/** Publishing an event through `POST /events` (portal users, services). @public */
export const eventPublishPermission = createPermission({
  name: 'event-orchestration.event.create',
  attributes: { action: 'create' },
});

/** Starting, retrying, cancelling runs and running single actions. @public */
export const runManagePermission = createPermission({
  name: 'event-orchestration.run.manage',
  attributes: { action: 'update' },
});

/** Approving or rejecting a run waiting at an approval:wait step. @public */
export const runApprovePermission = createPermission({
  name: 'event-orchestration.run.approve',
  attributes: { action: 'update' },
});

/** Delivering a dead-lettered event again to its subscriber (bus health). @public */
export const deadLetterRedrivePermission = createPermission({
  name: 'event-orchestration.deadletter.redrive',
  attributes: { action: 'update' },
});

/**
 * Dry-running a stored or draft sensor through `POST /sensors/test`: it runs
 * the caller's patterns and expressions on the backend and reads stored
 * events by id. @public
 */
export const sensorTestPermission = createPermission({
  name: 'event-orchestration.sensor.test',
  attributes: { action: 'read' },
});

/** The resource type of actions: the resource ref is the action id (`log`, `kubernetes:apply`). @public */
export const ACTION_RESOURCE_TYPE = 'event-orchestration-action';

/**
 * Running one action by hand through `POST /actions/:id/runs`, checked with
 * the action id as the resource ref, so a policy can allow `log` and deny
 * `kubernetes:apply`. Checked besides {@link runManagePermission}. @public
 */
export const actionRunPermission = createPermission({
  name: 'event-orchestration.action.run',
  attributes: { action: 'update' },
  resourceType: ACTION_RESOURCE_TYPE,
});

/**
 * The catalog's resource type: the entity-scoped permissions below are
 * checked with the entity ref as resource, so a policy answers them with the
 * catalog's own conditions (`isEntityOwner`, `hasAnnotation`, …) and the
 * catalog applies them. @public
 */
export const CATALOG_ENTITY_RESOURCE_TYPE = 'catalog-entity';

/**
 * Publishing an event that concerns an entity (its `entityRef`, or an entity
 * its subject links to). Checked besides {@link eventPublishPermission}, once
 * per entity. @public
 */
export const entityEventPublishPermission = createPermission({
  name: 'event-orchestration.entity.event.create',
  attributes: { action: 'create' },
  resourceType: CATALOG_ENTITY_RESOURCE_TYPE,
});

/**
 * Retrying or cancelling a run that concerns an entity, or running an action
 * by hand about it. Checked besides {@link runManagePermission}, once per
 * entity. @public
 */
export const entityRunManagePermission = createPermission({
  name: 'event-orchestration.entity.run.manage',
  attributes: { action: 'update' },
  resourceType: CATALOG_ENTITY_RESOURCE_TYPE,
});

/**
 * Approving or rejecting a run that concerns an entity. Checked besides
 * {@link runApprovePermission} and the approvers the step names. @public
 */
export const entityRunApprovePermission = createPermission({
  name: 'event-orchestration.entity.run.approve',
  attributes: { action: 'update' },
  resourceType: CATALOG_ENTITY_RESOURCE_TYPE,
});

/**
 * What concerns no catalog entity: reading events, runs and dead letters that
 * are linked to none, and retrying, cancelling, approving or running actions
 * by hand when no entity is concerned. Meant for the platform team. @public
 */
export const adminPermission = createPermission({
  name: 'event-orchestration.admin',
  attributes: {},
});

/** Every permission the suite declares. @public */
export const eventOrchestrationPermissions = [
  eventPublishPermission,
  runManagePermission,
  runApprovePermission,
  deadLetterRedrivePermission,
  sensorTestPermission,
  actionRunPermission,
  entityEventPublishPermission,
  entityRunManagePermission,
  entityRunApprovePermission,
  adminPermission,
];
