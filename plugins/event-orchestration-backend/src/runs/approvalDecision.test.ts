import { InputError, NotAllowedError } from '@backstage/errors';
import { checkApprovalDecision, runActors } from './approvalDecision';

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const PLATFORM = 'group:default/platform-team';
const off = { allowSelfApproval: false };

const decide = (
  overrides: Partial<Parameters<typeof checkApprovalDecision>[0]> = {},
) =>
  checkApprovalDecision({
    decider: { actor: BOB, ownershipEntityRefs: [BOB, PLATFORM] },
    decision: 'approve',
    actors: [ALICE],
    settings: off,
    ...overrides,
  });

describe('checkApprovalDecision', () => {
  it('lets a member of a named group approve', () => {
    expect(() => decide({ approvers: [PLATFORM] })).not.toThrow();
  });

  it('refuses a user outside the approvers, naming who may decide', () => {
    const attempt = () =>
      decide({
        approvers: [PLATFORM],
        decider: { actor: ALICE, ownershipEntityRefs: [ALICE] },
        actors: [BOB],
      });
    expect(attempt).toThrow(NotAllowedError);
    expect(attempt).toThrow(
      `Only members of ${PLATFORM} may approve this step; you are ${ALICE}`,
    );
  });

  it('names an owning user as such among several approvers', () => {
    expect(() =>
      decide({
        decision: 'reject',
        comment: 'no',
        approvers: ['group:default/payments', 'user:default/owner'],
      }),
    ).toThrow(
      'Only members of group:default/payments or user:default/owner may reject this step; you are user:default/bob',
    );
  });

  it('lets anyone through when the step names no approvers', () => {
    expect(() =>
      decide({ decider: { actor: BOB, ownershipEntityRefs: [] } }),
    ).not.toThrow();
  });

  it("refuses the run's actor approving their own run, naming the config key", () => {
    const attempt = () =>
      decide({
        decider: { actor: ALICE, ownershipEntityRefs: [ALICE, PLATFORM] },
        approvers: [PLATFORM],
      });
    expect(attempt).toThrow(NotAllowedError);
    expect(attempt).toThrow(
      `You started this run (${ALICE}); someone else must approve it (eventOrchestration.approvals.allowSelfApproval is off)`,
    );
  });

  it('allows self-approval when configured, and self-rejection always', () => {
    const alice = { actor: ALICE, ownershipEntityRefs: [ALICE] };
    expect(() =>
      decide({ decider: alice, settings: { allowSelfApproval: true } }),
    ).not.toThrow();
    expect(() =>
      decide({
        decider: alice,
        decision: 'reject',
        comment: 'changed my mind',
      }),
    ).not.toThrow();
  });

  it('needs a reason to reject', () => {
    expect(() => decide({ decision: 'reject' })).toThrow(InputError);
    expect(() => decide({ decision: 'reject', comment: '   ' })).toThrow(
      'A rejection needs a comment saying why; it is kept in the run',
    );
  });
});

describe('checkApprovalDecision with refs in another case', () => {
  it('matches approvers and actors without case, as the catalog does', () => {
    const settings = { allowSelfApproval: false } as any;
    expect(() =>
      checkApprovalDecision({
        decider: {
          actor: 'user:default/ana',
          ownershipEntityRefs: [
            'user:default/ana',
            'group:default/team-payments',
          ],
        },
        decision: 'approve',
        approvers: ['group:default/Team-Payments'],
        actors: [],
        settings,
      }),
    ).not.toThrow();
    expect(() =>
      checkApprovalDecision({
        decider: { actor: 'user:default/ana', ownershipEntityRefs: [] },
        decision: 'approve',
        actors: ['user:default/Ana'],
        settings,
      }),
    ).toThrow(/You started this run/);
  });
});

describe('runActors', () => {
  it("takes the manual start's actor and the trigger events' actors", () => {
    expect(
      runActors(
        {
          audit: [
            { action: 'start', actor: ALICE, at: '' },
            { action: 'retry', actor: BOB, at: '' },
          ],
        },
        [undefined, 'user:default/carol', ALICE],
      ),
    ).toEqual([ALICE, 'user:default/carol']);
  });
});
