import { RunAuditEntry } from '@edo/plugin-event-orchestration-common';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { migratedStores } from '../../__testUtils__/storeDatabase';
import { NewRun } from './runRecords';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const newRun = (key: string): NewRun => ({
  sensor: 'deploy',
  idempotencyKey: key,
  triggerEventIds: ['e1'],
  triggerDependencies: { alert: 'e1' },
  entityRefs: ['component:default/shop', 'component:default/shop'],
  steps: [
    { id: 'ask', action: 'approval:wait', input: { prompt: 'ship?' } },
    { id: 'log', action: 'debug:log', input: {} },
  ],
  onFailure: [{ id: 'notify', action: 'debug:log', input: {} }],
  group: 'shop',
});

const entry = (actor: string): RunAuditEntry => ({
  action: 'approve',
  actor,
  at: new Date().toISOString(),
});

describe.each(databases.eachSupportedId())('RunStore on %p', databaseId => {
  it('creates a run once per idempotency key, with its steps and entities', async () => {
    const { store } = await migratedStores(databases, databaseId);
    const first = await store.transaction(tx =>
      store.runs.createRun(tx, newRun('k1')),
    );
    const again = await store.transaction(tx =>
      store.runs.createRun(tx, newRun('k1')),
    );

    expect(first.created).toBe(true);
    expect(again).toEqual({ run: first.run, created: false });
    expect(first.run).toMatchObject({
      sensor: 'deploy',
      status: 'pending',
      entityRefs: ['component:default/shop'],
      triggerDependencies: { alert: 'e1' },
    });
    expect(first.run.steps.map(s => [s.id, s.phase, s.status])).toEqual([
      ['ask', 'main', 'pending'],
      ['log', 'main', 'pending'],
      ['notify', 'onFailure', 'pending'],
    ]);
    expect(
      await store.transaction(tx =>
        store.runs.unfinishedRunsOfGroup(tx, {
          sensor: 'deploy',
          group: 'shop',
        }),
      ),
    ).toEqual([first.run.id]);
  });

  it('a run created in a unit of work that fails does not exist', async () => {
    const { store } = await migratedStores(databases, databaseId);
    await expect(
      store.transaction(async tx => {
        await store.runs.createRun(tx, newRun('k-rolled-back'));
        throw new Error('the sensor engine failed after creating the run');
      }),
    ).rejects.toThrow('the sensor engine failed');
    expect((await store.runs.listRuns({})).items).toEqual([]);
  });

  it('leases a run to one owner at a time, until its lease expires', async () => {
    const { store } = await migratedStores(databases, databaseId);
    const { run } = await store.transaction(tx =>
      store.runs.createRun(tx, newRun('k-lease')),
    );
    const [a, b] = await Promise.all([
      store.runs.leaseRunnableRuns({ owner: 'a', leaseMs: 60_000, limit: 5 }),
      store.runs.leaseRunnableRuns({ owner: 'b', leaseMs: 60_000, limit: 5 }),
    ]);
    expect([...a, ...b].map(r => r.id)).toEqual([run.id]);
    const holder = a.length ? 'a' : 'b';
    const other = holder === 'a' ? 'b' : 'a';

    // Only the holder finishes it; the other's outcome is dropped.
    await store.runs.updateRun({ id: run.id, status: 'running' });
    expect(
      await store.runs.finishRun({
        id: run.id,
        owner: other,
        status: 'failed',
        error: 'x',
      }),
    ).toBe(false);

    // An expired lease (a crashed replica) is taken over.
    await store.runs.renewLease({ id: run.id, owner: holder, leaseMs: -1 });
    const takenOver = await store.runs.leaseRunnableRuns({
      owner: other,
      leaseMs: 60_000,
      limit: 5,
    });
    expect(takenOver.map(r => r.id)).toEqual([run.id]);
    expect(
      await store.runs.finishRun({
        id: run.id,
        owner: other,
        status: 'succeeded',
        error: null,
      }),
    ).toBe(true);
    expect(await store.runs.getRunStatus({ id: run.id })).toBe('succeeded');
  });

  it('creates a sensor run once per trigger events and an action run once per client key', async () => {
    const { store } = await migratedStores(databases, databaseId);
    const sensorRun = (triggerEventIds: string[]) =>
      store.transaction(tx =>
        store.runs.createSensorRun(tx, {
          sensor: 'deploy',
          triggerEventIds,
          entityRefs: [],
          steps: [{ id: 'log', action: 'debug:log', input: {} }],
        }),
      );
    const first = await sensorRun(['e1', 'e2']);
    expect(first.created).toBe(true);
    expect(await sensorRun(['e2', 'e1'])).toEqual({
      run: first.run,
      created: false,
    });

    const actionRun = (idempotencyKey?: string) =>
      store.runs.createActionRun({
        actionId: 'debug:log',
        input: {},
        entityRefs: [],
        actor: 'user:default/alice',
        idempotencyKey,
      });
    const keyed = await actionRun('client-1');
    expect(keyed.created).toBe(true);
    expect((await actionRun('client-1')).run.id).toBe(keyed.run.id);
    expect((await actionRun()).created).toBe(true);
    expect((await actionRun()).created).toBe(true);
  });

  it('decides an approval once: the second decision and a late timeout change nothing', async () => {
    const { store } = await migratedStores(databases, databaseId);
    const { run } = await store.transaction(tx =>
      store.runs.createRun(tx, newRun('k-approval')),
    );
    // Only a running (or parked) run's step asks for approval.
    await store.runs.updateRun({ id: run.id, status: 'running' });
    const asked = await store.runs.requestApproval({
      runId: run.id,
      stepId: 'ask',
      prompt: 'ship?',
      timeoutMs: 60_000,
    });
    // A resumed run asks again and finds the same request.
    const askedAgain = await store.runs.requestApproval({
      runId: run.id,
      stepId: 'ask',
      prompt: 'ship now?',
      timeoutMs: 60_000,
    });
    expect(askedAgain).toEqual(asked);
    expect((await store.runs.getRun({ id: run.id }))?.pendingApproval).toEqual(
      expect.objectContaining({ stepId: 'ask', prompt: 'ship?' }),
    );

    const decisions = await Promise.all([
      store.runs.decideApproval({
        runId: run.id,
        decision: 'approve',
        entry: entry('user:default/ana'),
      }),
      store.runs.decideApproval({
        runId: run.id,
        decision: 'reject',
        entry: entry('user:default/bo'),
      }),
    ]);
    expect(decisions.filter(Boolean)).toHaveLength(1);
    await store.runs.timeOutApproval({
      runId: run.id,
      stepId: 'ask',
      outcome: 'rejected',
    });

    const decided = await store.runs.getApproval({
      runId: run.id,
      stepId: 'ask',
    });
    const winner = decisions[0] ? 'user:default/ana' : 'user:default/bo';
    expect(decided).toMatchObject({
      status: decisions[0] ? 'approved' : 'rejected',
      decidedBy: winner,
    });
    const after = await store.runs.getRun({ id: run.id });
    expect(after?.pendingApproval).toBeUndefined();
    expect(after?.audit.map(a => a.actor)).toEqual([winner]);
  });

  it('parks a run waiting for a decision without a lease, and a decision or its deadline makes it runnable again', async () => {
    const { store } = await migratedStores(databases, databaseId);
    const create = async (key: string) => {
      const { run } = await store.transaction(tx =>
        store.runs.createRun(tx, newRun(key)),
      );
      const [leased] = await store.runs.leaseRunnableRuns({
        owner: 'worker-a',
        leaseMs: 60_000,
        limit: 1,
      });
      expect(leased.id).toBe(run.id);
      await store.runs.updateRun({ id: run.id, status: 'running' });
      return run;
    };
    const runnable = async () =>
      (
        await store.runs.leaseRunnableRuns({
          owner: 'worker-b',
          leaseMs: 60_000,
          limit: 10,
        })
      ).map(r => r.id);

    const decided = await create('k-park-decided');
    await store.runs.requestApproval({
      runId: decided.id,
      stepId: 'ask',
      prompt: 'ship?',
      timeoutMs: 60_000,
      approvers: ['group:default/platform-team'],
    });
    // Another process may not park a run it does not hold.
    expect(
      await store.runs.parkRun({
        id: decided.id,
        owner: 'worker-b',
        stepId: 'ask',
      }),
    ).toBe('lost');
    expect(
      await store.runs.parkRun({
        id: decided.id,
        owner: 'worker-a',
        stepId: 'ask',
      }),
    ).toBe('parked');
    const parked = await store.runs.getRun({ id: decided.id });
    expect(parked?.status).toBe('waiting');
    expect(parked?.pendingApproval).toMatchObject({
      stepId: 'ask',
      approvers: ['group:default/platform-team'],
      expiresAt: expect.any(String),
    });
    expect(await runnable()).toEqual([]);
    // A decision checked against another approval step lands nowhere.
    expect(
      await store.runs.decideApproval({
        runId: decided.id,
        decision: 'approve',
        entry: entry('user:default/ana'),
        stepId: 'an-earlier-step',
      }),
    ).toBe(false);
    expect(
      await store.runs.decideApproval({
        runId: decided.id,
        decision: 'approve',
        entry: entry('user:default/ana'),
        stepId: 'ask',
      }),
    ).toBe(true);
    expect(await store.runs.getRunStatus({ id: decided.id })).toBe('running');
    expect(await runnable()).toEqual([decided.id]);

    // Decided between the step's look and the parking: not parked, so the
    // step reads the decision at once instead of waiting for nobody.
    const raced = await create('k-park-raced');
    await store.runs.requestApproval({
      runId: raced.id,
      stepId: 'ask',
      prompt: 'ship?',
      timeoutMs: 60_000,
    });
    await store.runs.decideApproval({
      runId: raced.id,
      decision: 'reject',
      entry: { ...entry('user:default/ana'), action: 'reject' },
    });
    expect(
      await store.runs.parkRun({
        id: raced.id,
        owner: 'worker-a',
        stepId: 'ask',
      }),
    ).toBe('decided');
    expect(await store.runs.getRunStatus({ id: raced.id })).toBe('running');

    // Nobody decides: once its deadline passed, the worker's wake-up makes it runnable.
    const overdue = await create('k-park-overdue');
    await store.runs.requestApproval({
      runId: overdue.id,
      stepId: 'ask',
      prompt: 'ship?',
      timeoutMs: 1_000,
    });
    await store.runs.parkRun({
      id: overdue.id,
      owner: 'worker-a',
      stepId: 'ask',
    });
    expect(await store.runs.wakeOverdueRuns({ now: Date.now() })).toBe(0);
    expect(await store.runs.wakeOverdueRuns({ now: Date.now() + 2_000 })).toBe(
      1,
    );
    expect(await runnable()).toEqual([overdue.id]);

    // A parked run can be cancelled; it then waits for nothing.
    const cancelled = await create('k-park-cancelled');
    await store.runs.requestApproval({
      runId: cancelled.id,
      stepId: 'ask',
      prompt: 'ship?',
      timeoutMs: 60_000,
    });
    await store.runs.updateStep({
      runId: cancelled.id,
      position: 0,
      patch: { status: 'waiting' },
    });
    await store.runs.parkRun({
      id: cancelled.id,
      owner: 'worker-a',
      stepId: 'ask',
    });
    expect(
      await store.runs.cancelRun({
        id: cancelled.id,
        entry: { ...entry('user:default/ana'), action: 'cancel' },
      }),
    ).toBe(true);
    const after = await store.runs.getRun({ id: cancelled.id });
    expect(after?.status).toBe('cancelled');
    expect(after?.steps.map(s => s.status)).toEqual([
      'cancelled',
      'skipped',
      'skipped',
    ]);
    expect(after?.pendingApproval).toBeUndefined();
    expect(
      await store.runs.decideApproval({
        runId: cancelled.id,
        decision: 'approve',
        entry: entry('user:default/ana'),
      }),
    ).toBe(false);
  });

  it('deletes finished runs with everything that belongs to them, and keeps unfinished ones (retention)', async () => {
    const { knex, store } = await migratedStores(databases, databaseId);
    const { run: done } = await store.transaction(tx =>
      store.runs.createRun(tx, newRun('k-done')),
    );
    const { run: live } = await store.transaction(tx =>
      store.runs.createRun(tx, newRun('k-live')),
    );
    await store.runs.requestApproval({
      runId: done.id,
      stepId: 'ask',
      prompt: 'ship?',
      timeoutMs: 60_000,
    });
    await store.transaction(tx =>
      store.runs.linkRetries.add(tx, { runId: done.id, eventId: 'e1' }),
    );
    await store.runs.cancelRun({
      id: done.id,
      entry: entry('user:default/ana'),
    });

    const before = new Date(Date.now() + 60_000);
    expect(await store.runs.deleteFinishedRuns({ before, limit: 10 })).toBe(1);
    expect((await knex('edo_runs')).map(r => r.id)).toEqual([live.id]);
    for (const table of [
      'edo_run_steps',
      'edo_run_entities',
      'edo_approvals',
      'edo_run_link_retries',
    ]) {
      expect(await knex(table).where({ run_id: done.id })).toEqual([]);
    }
    expect(
      await store.transaction(tx => store.runs.eventsOfUnfinishedRuns(tx)),
    ).toEqual(new Set(['e1']));
  });
});
