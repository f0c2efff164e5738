import { RunAuditEntry } from '@edo/plugin-event-orchestration-common';
import { OrchestrationDatabase } from './OrchestrationDatabase';
import { createTestDatabases } from '../__testUtils__/testDatabases';

jest.setTimeout(120_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('run reads on %p', databaseId => {
  it('never show a run half-way through an approval being asked or decided', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest({ directory: `${__dirname}/../../migrations` });
    const store = OrchestrationDatabase.create({ knex });
    const runId = 'run-snapshot';
    await knex('edo_runs').insert({
      id: runId,
      sensor: 'approvals',
      idempotency_key: runId,
      status: 'running',
      trigger_event_ids: '[]',
      workflow: '[]',
      audit: '[]',
      created_at: new Date().toISOString(),
    });

    // Writer: each round asks for an approval (the approval row and the run's
    // audit in one transaction) and decides it through the store (likewise).
    let writing = true;
    const rounds = 150;
    const writer = (async () => {
      try {
        for (let n = 0; n < rounds; n++) {
          await knex.transaction(async tx => {
            await tx('edo_approvals').insert({
              run_id: runId,
              step_id: `s${n}`,
              status: 'waiting',
              prompt: `round ${n}`,
              requested_at: new Date().toISOString(),
            });
            const { audit } = await tx('edo_runs')
              .where({ id: runId })
              .first('audit');
            await tx('edo_runs')
              .where({ id: runId })
              .update({
                audit: JSON.stringify([
                  ...JSON.parse(audit),
                  {
                    action: 'asked',
                    actor: 'engine',
                    at: new Date().toISOString(),
                    comment: `s${n}`,
                  },
                ]),
              });
          });
          const decided = await store.runs.decideApproval({
            runId,
            decision: 'approve',
            entry: {
              action: 'approve',
              actor: 'user:default/alice',
              at: new Date().toISOString(),
              comment: `s${n}`,
            } as RunAuditEntry,
          });
          expect(decided).toBe(true);
        }
      } finally {
        writing = false;
      }
    })();

    // Readers: the run is waiting exactly when its audit's last entry is an ask.
    const torn: string[] = [];
    let reads = 0;
    const reader = async (read: () => Promise<any>) => {
      while (writing) {
        const run = await read();
        reads++;
        const last = run.audit[run.audit.length - 1];
        const asked = last?.action === 'asked';
        if (
          asked !== Boolean(run.pendingApproval) ||
          (asked && run.pendingApproval.stepId !== last.comment)
        ) {
          torn.push(
            `audit ends ${JSON.stringify(
              last,
            )}, pendingApproval ${JSON.stringify(run.pendingApproval)}`,
          );
        }
      }
    };
    await Promise.all([
      writer,
      reader(() => store.runs.getRun({ id: runId })),
      reader(
        async () =>
          (
            await store.runs.listRuns({ sensor: 'approvals' })
          ).items[0],
      ),
    ]);
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(20);
    const final = await store.runs.getRun({ id: runId });
    expect(final!.audit).toHaveLength(rounds * 2);
    expect(final!.pendingApproval).toBeUndefined();
  });
});
