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
    const asked = await store.runs.requestApproval({
      runId: run.id,
      stepId: 'ask',
      prompt: 'ship?',
    });
    // A resumed run asks again and finds the same request.
    const askedAgain = await store.runs.requestApproval({
      runId: run.id,
      stepId: 'ask',
      prompt: 'ship now?',
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
