import { createHash, randomUUID } from 'node:crypto';
import {
  RunAuditEntry,
  WorkflowStep,
} from '@edo/plugin-event-orchestration-common';
import { NewRun } from './runRecords';

/** A sensor's match that starts a run. */
export interface NewSensorRun {
  /** The sensor's name. */
  sensor: string;
  triggerEventIds: string[];
  /** Which event satisfied which dependency. */
  triggerDependencies?: Record<string, string>;
  entityRefs: string[];
  /** The sensor's correlation group the run was started for. */
  group?: string;
  steps: WorkflowStep[];
  onFailure?: WorkflowStep[];
}

/** One action started by hand as a one-step run (`POST /actions/:id/runs`). */
export interface NewActionRun {
  actionId: string;
  input: Record<string, unknown>;
  entityRefs: string[];
  actor: string;
  /** Same key, same run: a client retrying its request starts nothing new. */
  idempotencyKey?: string;
}

function sha256OfJson(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * One run per sensor and set of triggering events, so a redelivered event
 * starts nothing new. The key is stored: it must stay the same byte for byte.
 */
export function sensorRun(request: NewSensorRun): NewRun {
  return {
    sensor: request.sensor,
    idempotencyKey: sha256OfJson([
      request.sensor,
      [...request.triggerEventIds].sort(),
    ]),
    triggerEventIds: request.triggerEventIds,
    triggerDependencies: request.triggerDependencies ?? {},
    entityRefs: request.entityRefs,
    steps: request.steps,
    onFailure: request.onFailure ?? [],
    group: request.group,
  };
}

/**
 * A manual action run: keyed by the client's key when it gave one (stored,
 * so it must stay the same byte for byte), else never de-duplicated.
 */
export function actionRun(request: NewActionRun): NewRun {
  const audit: RunAuditEntry = {
    action: 'start',
    actor: request.actor,
    at: new Date().toISOString(),
  };
  return {
    sensor: `action:${request.actionId}`,
    idempotencyKey: request.idempotencyKey
      ? sha256OfJson(['action', request.actionId, request.idempotencyKey])
      : randomUUID(),
    triggerEventIds: [],
    triggerDependencies: {},
    entityRefs: request.entityRefs,
    steps: [{ id: 'run', action: request.actionId, input: request.input }],
    audit: [audit],
  };
}
