import {
  DeadLetterRedrive,
  EventDetails,
  ListResponse,
  OrchestrationEvent,
  RunAuditEntry,
  RunStatus,
  SensorVerdict,
  StoredEvent,
} from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { StoreTransaction } from './database';
import { EventQuery, LinkRetry } from './events/EventStore';
import { OrchestrationDatabase } from './OrchestrationDatabase';
import { RunQuery, StepPatch } from './runs/RunStore';
import { NewRun, RunRecord } from './runs/runRecords';
import { SensorCounters } from './views';

/**
 * TEMPORARY facade with the store's former API, each method one line over the
 * area stores, until `router/` and `runs/` call those directly (`store.runs`,
 * `store.events`, …). New code uses the area stores. The former methods only
 * the sensor engine used (recordEvaluations, sensorsWithEvaluation,
 * hasEvaluation, unfinishedRunsOfGroup) are gone: it uses the area stores.
 */
export class OrchestrationStore extends OrchestrationDatabase {
  constructor(knex: Knex, secrets: string[] = []) {
    super(knex, secrets);
  }

  recordEvent(
    event: OrchestrationEvent,
    entityRefs: string[],
    linkRetry?: LinkRetry,
  ): Promise<{ receivedAt: number }> {
    return this.events.recordEvent({ event, entityRefs, linkRetry });
  }

  linkRetryCounts() {
    return this.events.linkRetries.counts();
  }

  listSensorVerdicts(sensor: string, limit: number): Promise<SensorVerdict[]> {
    return this.evaluations.listSensorVerdicts({ sensor, limit });
  }

  listEvents(query: EventQuery): Promise<ListResponse<StoredEvent>> {
    return this.views.listEvents(query);
  }

  getEvent(id: string): Promise<EventDetails | undefined> {
    return this.views.getEvent(id);
  }

  sensorCounters(): Promise<Map<string, SensorCounters>> {
    return this.views.sensorCounters();
  }

  createRun(
    newRun: NewRun,
    tx?: StoreTransaction,
  ): Promise<{ run: RunRecord; created: boolean }> {
    return tx
      ? this.runs.createRun(tx, newRun)
      : this.transaction(t => this.runs.createRun(t, newRun));
  }

  leaseRunnableRuns(owner: string, leaseMs: number, limit: number) {
    return this.runs.leaseRunnableRuns({ owner, leaseMs, limit });
  }

  renewRunLease(id: string, owner: string, leaseMs: number) {
    return this.runs.renewLease({ id, owner, leaseMs });
  }

  updateRun(
    id: string,
    patch: {
      status?: RunStatus;
      startedAt?: string;
      finishedAt?: string;
      error?: string | null;
      releaseLease?: boolean;
    },
  ) {
    return this.runs.updateRun({ ...patch, id });
  }

  updateStep(runId: string, position: number, patch: StepPatch) {
    return this.runs.updateStep({ runId, position, patch });
  }

  finishRun(
    id: string,
    owner: string,
    status: RunStatus,
    error: string | null,
  ) {
    return this.runs.finishRun({ id, owner, status, error });
  }

  decideApproval(
    runId: string,
    decision: 'approve' | 'reject',
    entry: RunAuditEntry,
  ): Promise<boolean> {
    return this.runs.decideApproval({ runId, decision, entry });
  }

  getRunStatus(id: string): Promise<RunStatus | undefined> {
    return this.runs.getRunStatus({ id });
  }

  cancelRun(id: string, entry: RunAuditEntry): Promise<boolean> {
    return this.runs.cancelRun({ id, entry });
  }

  retryRun(id: string, entry: RunAuditEntry): Promise<boolean> {
    return this.runs.retryRun({ id, entry });
  }

  getRun(
    id: string,
    options: { snapshot?: boolean } = {},
  ): Promise<RunRecord | undefined> {
    return this.runs.getRun({ id, ...options });
  }

  listRuns(query: RunQuery): Promise<ListResponse<RunRecord>> {
    return this.runs.listRuns(query);
  }

  recordRedrive(entry: DeadLetterRedrive): Promise<void> {
    return this.deadLetters.recordRedrive(entry);
  }

  listRedrives(
    query: { subscriber?: string; eventId?: string; limit?: number } = {},
  ): Promise<DeadLetterRedrive[]> {
    return this.deadLetters.listRedrives(query);
  }
}
