import { actionRun, sensorRun } from './runCreation';

// The keys are stored: existing databases de-duplicate only while they stay
// the same byte for byte.
describe('run idempotency keys', () => {
  it("keys a sensor's run by its name and sorted trigger events", () => {
    const request = {
      sensor: 'deploy',
      entityRefs: [],
      steps: [{ id: 'log', action: 'debug:log', input: {} }],
    };
    const key =
      '10a8b7c970ae0342dbaced4b342fcbb38ce8532b3cc2b45e3b369f29496a1ed8';
    expect(
      sensorRun({ ...request, triggerEventIds: ['e2', 'e1'] }),
    ).toMatchObject({
      idempotencyKey: key,
      triggerEventIds: ['e2', 'e1'],
      triggerDependencies: {},
      onFailure: [],
    });
    expect(
      sensorRun({ ...request, triggerEventIds: ['e1', 'e2'] }).idempotencyKey,
    ).toBe(key);
  });

  it("keys a manual action run by the client's key, else never the same", () => {
    const request = {
      actionId: 'debug:log',
      input: { message: 'hi' },
      entityRefs: [],
      actor: 'user:default/alice',
    };
    expect(actionRun({ ...request, idempotencyKey: 'client-1' })).toMatchObject(
      {
        sensor: 'action:debug:log',
        idempotencyKey:
          '5d31880e90d0b11a10bad3e5e948f39229f284eef20c60a182299f9a56bfa912',
        steps: [{ id: 'run', action: 'debug:log', input: { message: 'hi' } }],
        audit: [{ action: 'start', actor: 'user:default/alice' }],
      },
    );
    expect(actionRun(request).idempotencyKey).not.toBe(
      actionRun(request).idempotencyKey,
    );
  });
});
