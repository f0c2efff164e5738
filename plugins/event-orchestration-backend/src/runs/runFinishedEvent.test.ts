import { Run } from '@edo/plugin-event-orchestration-common';
import { runFinishedEvent } from './runFinishedEvent';

const failedRun: Run = {
  id: 'run-1',
  sensor: 'slo-remediation',
  status: 'failed',
  error: "step 'rollback' failed: HTTP 503",
  triggerEventIds: ['evt-1', 'evt-2'],
  entityRefs: ['component:default/checkout'],
  createdAt: '2026-03-01T10:00:00.000Z',
  startedAt: '2026-03-01T10:00:01.000Z',
  finishedAt: '2026-03-01T10:00:05.000Z',
  steps: [],
  audit: [],
};

describe('runFinishedEvent', () => {
  it('announces a finished run with its outcome, trigger events and entities', () => {
    expect(runFinishedEvent(failedRun)).toEqual({
      specversion: '1.0',
      id: 'run-finished-run-1-2026-03-01T10:00:05.000Z',
      source: '/runs/run-1',
      type: 'orchestration.run.finished',
      subject: 'slo-remediation',
      time: '2026-03-01T10:00:05.000Z',
      datacontenttype: 'application/json',
      data: {
        runId: 'run-1',
        sensor: 'slo-remediation',
        status: 'failed',
        error: "step 'rollback' failed: HTTP 503",
        triggerEventIds: ['evt-1', 'evt-2'],
        startedAt: '2026-03-01T10:00:01.000Z',
        finishedAt: '2026-03-01T10:00:05.000Z',
      },
      entityref: ['component:default/checkout'],
      correlationid: 'run-1',
      origin: { kind: 'orchestrator', run: 'run-1' },
    });
  });

  it('gives each finish of a retried run its own event id', () => {
    const retried = { ...failedRun, finishedAt: '2026-03-01T11:00:00.000Z' };
    expect(runFinishedEvent(retried).id).not.toBe(
      runFinishedEvent(failedRun).id,
    );
  });

  it('leaves out the error and entity refs a run does not have', () => {
    const cancelled: Run = {
      ...failedRun,
      status: 'cancelled',
      error: undefined,
      entityRefs: [],
      startedAt: undefined,
      finishedAt: undefined,
    };
    const event = runFinishedEvent(cancelled);
    expect(event.id).toBe('run-finished-run-1-cancelled');
    expect(event).not.toHaveProperty('entityref');
    expect(event.data).toEqual({
      runId: 'run-1',
      sensor: 'slo-remediation',
      status: 'cancelled',
      triggerEventIds: ['evt-1', 'evt-2'],
      startedAt: null,
      finishedAt: null,
    });
    expect(Date.parse(event.time!)).not.toBeNaN();
  });

  it('carries on the requesters of the run and its entities as their scope (a sensor reacting to it still serves them)', () => {
    const event = runFinishedEvent(failedRun, ['user:default/alice']);
    expect(event.origin).toEqual({
      kind: 'orchestrator',
      run: failedRun.id,
      onBehalfOf: ['user:default/alice'],
      entityScope: failedRun.entityRefs,
    });
    expect(runFinishedEvent(failedRun).origin).toEqual({
      kind: 'orchestrator',
      run: failedRun.id,
    });
  });
});
