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

/**
 * The approval a run by hand waits for before its action
 * (`eventOrchestration.actions.manual.requireApproval`): the input of its
 * approval:wait step, less the prompt.
 */
export interface ManualActionApproval {
  approvers?: { groups?: string[]; entityOwner?: boolean };
  timeout?: string;
}

/** One action started by hand as a one-step run (`POST /actions/:id/runs`). */
export interface NewActionRun {
  actionId: string;
  input: Record<string, unknown>;
  entityRefs: string[];
  actor: string;
  /** Same key, same run: a client retrying its request starts nothing new. */
  idempotencyKey?: string;
  /** When set, an `approve` step (approval:wait) comes before the action. */
  approval?: ManualActionApproval;
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
 * so it must stay the same byte for byte), else never de-duplicated. An
 * action that requires approval by hand gets an approval:wait step first, so
 * it waits as a sensor's run with such a step would.
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
    steps: [
      ...(request.approval
        ? [
            {
              id: 'approve',
              action: 'approval:wait',
              input: {
                prompt: `${request.actor} asks to run ${request.actionId} by hand with the input of step 'run'`,
                ...request.approval,
              },
            },
          ]
        : []),
      { id: 'run', action: request.actionId, input: request.input },
    ],
    audit: [audit],
  };
}
