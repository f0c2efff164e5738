import {
  OrchestrationEvent,
  Run,
} from '@edo/plugin-event-orchestration-common';

/**
 * The `orchestration.run.finished` event a finished run publishes, so sensors
 * can react to runs. Its id names the finish, not only the run: a retried run
 * finishes again and announces that too.
 */
export function runFinishedEvent(
  run: Run,
  /** The users whose requests the run served (see approvalDecision's runActors). */
  requesters: string[] = [],
): OrchestrationEvent {
  return {
    specversion: '1.0',
    id: `run-finished-${run.id}-${run.finishedAt ?? run.status}`,
    source: `/runs/${run.id}`,
    type: 'orchestration.run.finished',
    subject: run.sensor,
    time: run.finishedAt ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      runId: run.id,
      sensor: run.sensor,
      status: run.status,
      ...(run.error ? { error: run.error } : {}),
      triggerEventIds: run.triggerEventIds,
      startedAt: run.startedAt ?? null,
      finishedAt: run.finishedAt ?? null,
    },
    ...(run.entityRefs.length ? { entityref: run.entityRefs } : {}),
    correlationid: run.id,
    origin: {
      kind: 'orchestrator',
      run: run.id,
      // A sensor reacting to the run still serves its requesters: they may
      // not approve what follows, and it may act only on the run's entities.
      ...(requesters.length
        ? { onBehalfOf: requesters, entityScope: run.entityRefs }
        : {}),
    },
  };
}
