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

/** Every permission the suite declares. @public */
export const eventOrchestrationPermissions = [
  eventPublishPermission,
  runManagePermission,
  runApprovePermission,
  deadLetterRedrivePermission,
  sensorTestPermission,
  actionRunPermission,
];
