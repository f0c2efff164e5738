import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';
import { createTestDatabases } from './__testUtils__/testDatabases';
import { userInfoByTable } from './__testUtils__/userInfoByTable';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(120_000);

const base = '/api/event-orchestration';
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const CAROL = 'user:default/carol';
const PLATFORM = 'group:default/platform-team';
const PAYMENTS_TEAM = 'group:default/payments-team';
const PAYMENTS = 'component:default/payments';
/** Run slots of the run engine in these backends. */
const SLOTS = 2;

const groupsOf: Record<string, string[]> = {
  [BOB]: [PLATFORM],
  [CAROL]: [PAYMENTS_TEAM],
};

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments', namespace: 'default' },
    spec: { type: 'service', lifecycle: 'production', owner: 'payments-team' },
  },
];

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'approvals (issue 18, finding 4) on %s',
  databaseId => {
    let backend: Awaited<ReturnType<typeof startTestBackend>>;

    const as = (user: string) => ({
      get: (p: string) =>
        request(backend.server)
          .get(`${base}${p}`)
          .set('authorization', mockCredentials.user.header(user)),
      post: (p: string, body: object = {}) =>
        request(backend.server)
          .post(`${base}${p}`)
          .set('authorization', mockCredentials.user.header(user))
          .send(body),
    });
    const runOf = async (id: string) =>
      (await as(ALICE).get(`/runs/${id}`)).body;
    const reaches = (id: string, statuses: string[], what: string) =>
      waitFor(async () => {
        const run = await runOf(id);
        return statuses.includes(run.status) ? run : undefined;
      }, what);
    const askApproval = async (input: object, by = ALICE) => {
      const started = await as(by).post('/actions/approval:wait/runs', {
        input: { timeout: '10m', ...input },
        entityRef: PAYMENTS,
      });
      expect(started.status).toBe(201);
      return reaches(started.body.id, ['waiting'], 'the run to wait');
    };

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      backend = await startTestBackend({
        features: [
          eventOrchestrationPlugin,
          catalogServiceMock.factory({ entities }),
          mockServices.database.factory({ knex }),
          userInfoByTable(groupsOf),
          mockServices.rootConfig.factory({
            data: {
              eventOrchestration: {
                runs: { concurrency: SLOTS },
                actions: {
                  manual: {
                    allowed: ['log', 'approval:wait', 'notification:send'],
                    requireApproval: [
                      {
                        action: 'notification:send',
                        approvers: { groups: [PLATFORM] },
                      },
                    ],
                  },
                },
              },
            },
          }),
        ],
      });
    });

    afterAll(() => backend?.stop());

    it(`with ${SLOTS} run slots, ${
      SLOTS + 1
    } runs waiting for approval hold none: a new run starts and finishes`, async () => {
      const waiting = [];
      for (let i = 0; i <= SLOTS; i++) {
        waiting.push(
          await askApproval({
            prompt: `Restart payments (${i})?`,
            approvers: { groups: [PLATFORM] },
          }),
        );
      }
      for (const run of waiting) {
        expect(run.status).toBe('waiting');
        expect(run.steps[0].status).toBe('waiting');
        expect(run.pendingApproval).toMatchObject({
          stepId: 'run',
          approvers: [PLATFORM],
          expiresAt: expect.any(String),
        });
      }
      // Before, each held a slot while it waited: this run never started.
      const other = await as(ALICE).post('/actions/log/runs', {
        input: { message: 'still working' },
      });
      expect(other.status).toBe(201);
      const done = await reaches(
        other.body.id,
        ['succeeded', 'failed'],
        'the new run to finish while the others wait',
      );
      expect(done.status).toBe('succeeded');
      for (const run of waiting) {
        expect((await runOf(run.id)).status).toBe('waiting');
      }
    });

    it('resumes an approved parked run to the end, recording who approved and why', async () => {
      const parked = await askApproval({
        prompt: 'Scale payments to 5?',
        approvers: { groups: [PLATFORM] },
      });
      const decided = await as(BOB).post(`/runs/${parked.id}/approve`, {
        comment: 'load test tonight',
      });
      expect(decided.status).toBe(200);
      const done = await reaches(parked.id, ['succeeded', 'failed'], 'the end');
      expect(done.status).toBe('succeeded');
      expect(done.steps[0].output).toEqual({
        decision: 'approved',
        decidedBy: BOB,
        comment: 'load test tonight',
      });
      expect(done.pendingApproval).toBeUndefined();
      expect(
        done.audit.map((a: any) => [a.action, a.actor, a.comment]),
      ).toEqual([
        ['start', ALICE, undefined],
        ['approve', BOB, 'load test tonight'],
      ]);
    });

    it('ends a rejected parked run failed with the reason; a rejection without one is refused', async () => {
      const parked = await askApproval({
        prompt: 'Drop the payments cache?',
        approvers: { groups: [PLATFORM] },
      });
      const bare = await as(BOB).post(`/runs/${parked.id}/approve`, {
        decision: 'reject',
      });
      expect(bare.status).toBe(400);
      expect(bare.body.error.message).toBe(
        'A rejection needs a comment saying why; it is kept in the run',
      );
      expect((await runOf(parked.id)).status).toBe('waiting');

      const rejected = await as(BOB).post(`/runs/${parked.id}/approve`, {
        decision: 'reject',
        comment: 'not during the sale',
      });
      expect(rejected.status).toBe(200);
      const done = await reaches(parked.id, ['succeeded', 'failed'], 'the end');
      expect(done.status).toBe('failed');
      expect(done.error).toBe(
        `step 'run' failed: rejected by ${BOB}: not during the sale`,
      );
      expect(done.audit.at(-1)).toMatchObject({
        action: 'reject',
        actor: BOB,
        comment: 'not during the sale',
      });
    });

    it('lets only the declared approvers decide, naming them', async () => {
      const parked = await askApproval({
        prompt: 'Restart payments?',
        approvers: { groups: [PLATFORM] },
      });
      const outsider = await as(CAROL).post(`/runs/${parked.id}/approve`, {
        comment: 'sure',
      });
      expect(outsider.status).toBe(403);
      expect(outsider.body.error).toEqual({
        name: 'NotAllowedError',
        message: `Only members of ${PLATFORM} may approve this step; you are ${CAROL}`,
      });
      expect((await runOf(parked.id)).status).toBe('waiting');
    });

    it("resolves entityOwner to the owner of the run's entity", async () => {
      const parked = await askApproval({
        prompt: 'Roll payments back?',
        approvers: { entityOwner: true },
      });
      expect(parked.pendingApproval.approvers).toEqual([PAYMENTS_TEAM]);
      expect(
        (await as(BOB).post(`/runs/${parked.id}/approve`, {})).status,
      ).toBe(403);
      expect(
        (await as(CAROL).post(`/runs/${parked.id}/approve`, {})).status,
      ).toBe(200);
      expect(
        (await reaches(parked.id, ['succeeded', 'failed'], 'the end')).status,
      ).toBe('succeeded');
    });

    it('refuses the user who started the run approving it; someone else may', async () => {
      const parked = await askApproval({ prompt: 'Restart payments?' });
      const own = await as(ALICE).post(`/runs/${parked.id}/approve`, {});
      expect(own.status).toBe(403);
      expect(own.body.error.message).toBe(
        `You started this run (${ALICE}); someone else must approve it (eventOrchestration.approvals.allowSelfApproval is off)`,
      );
      expect(
        (await as(CAROL).post(`/runs/${parked.id}/approve`, {})).status,
      ).toBe(200);
      expect(
        (await reaches(parked.id, ['succeeded', 'failed'], 'the end')).status,
      ).toBe('succeeded');
    });

    it('fails a parked run nobody decided once its timeout passed', async () => {
      const parked = await askApproval({
        prompt: 'Restart payments?',
        timeout: '1s',
      });
      const done = await reaches(parked.id, ['failed', 'succeeded'], 'timeout');
      expect(done.error).toBe("step 'run' failed: no decision within 1s");
      expect(
        (await as(CAROL).post(`/runs/${parked.id}/approve`, {})).status,
      ).toBe(409);
    });

    it('makes a run by hand of an action listed in requireApproval wait for its approvers first', async () => {
      const started = await as(ALICE).post('/actions/notification:send/runs', {
        input: {
          title: 'Payments restarts at noon',
          recipients: { entityRefs: [ALICE] },
        },
        entityRef: PAYMENTS,
      });
      expect(started.status).toBe(201);
      const parked = await reaches(started.body.id, ['waiting'], 'waiting');
      expect(parked.steps.map((s: any) => [s.id, s.action, s.status])).toEqual([
        ['approve', 'approval:wait', 'waiting'],
        ['run', 'notification:send', 'pending'],
      ]);
      expect(parked.pendingApproval).toMatchObject({
        stepId: 'approve',
        prompt: `${ALICE} asks to run notification:send by hand with the input of step 'run'`,
        approvers: [PLATFORM],
      });
      expect(
        (await as(CAROL).post(`/runs/${parked.id}/approve`, {})).status,
      ).toBe(403);
      expect(
        (
          await as(BOB).post(`/runs/${parked.id}/approve`, {
            decision: 'reject',
            comment: 'not needed',
          })
        ).status,
      ).toBe(200);
      const done = await reaches(parked.id, ['failed', 'succeeded'], 'the end');
      expect(done.error).toBe(
        `step 'approve' failed: rejected by ${BOB}: not needed`,
      );
      expect(done.steps[1].status).toBe('skipped');
    });
  },
);
