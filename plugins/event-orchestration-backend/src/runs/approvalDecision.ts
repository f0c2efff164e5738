import {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { OrchestrationDatabase, RunRecord } from '../store';

/** What `eventOrchestration.approvals` configures. */
export interface ApprovalSettings {
  /** Whether the run's actor may approve their own run (default false). */
  allowSelfApproval: boolean;
}

/** The config key that lets actors approve their own runs. */
export const ALLOW_SELF_APPROVAL_KEY =
  'eventOrchestration.approvals.allowSelfApproval';

/** Who decides, as the check needs them. */
export interface ApprovalDecider {
  /** The user's entity ref, or `service:<subject>`. */
  actor: string;
  /**
   * The user's ownership refs (their own ref and their groups), as the
   * sign-in resolver issued them; none for a service.
   */
  ownershipEntityRefs: readonly string[];
}

/**
 * Who started a run: the users (or services) of its `start` audit entries (a
 * manual run) and the `actor` (or origin's actor) of its trigger events: a
 * portal event, where the server sets it from the caller's credentials.
 */
export function runActors(
  run: Pick<RunRecord, 'audit'>,
  triggerEventActors: ReadonlyArray<string | undefined>,
): string[] {
  const actors = new Set<string>();
  for (const entry of run.audit) {
    if (entry.action === 'start') actors.add(entry.actor);
  }
  for (const actor of triggerEventActors) if (actor) actors.add(actor);
  return [...actors].sort();
}

/**
 * Throws when `decider` may not make `decision` on an approval: a rejection
 * without a reason (InputError), a decider outside the step's `approvers`
 * (NotAllowedError naming them), or the run's own actor approving it while
 * self-approval is off. With no approvers declared, anyone the approve
 * permission lets through may decide. Rejecting one's own run is allowed:
 * it stops it, as cancelling would.
 */
export function checkApprovalDecision(options: {
  decider: ApprovalDecider;
  decision: 'approve' | 'reject';
  comment?: string;
  /** The waiting approval's resolved approvers; undefined: none declared. */
  approvers?: readonly string[];
  /** Who started the run (runActors). */
  actors: readonly string[];
  settings: ApprovalSettings;
}): void {
  const { decider, decision, approvers, actors, settings } = options;
  if (decision === 'reject' && !options.comment?.trim()) {
    throw new InputError(
      'A rejection needs a comment saying why; it is kept in the run',
    );
  }
  if (approvers && approvers.length > 0) {
    // Entity refs compare without case, as the catalog matches them: an
    // owner written `group:default/Team-Payments` is the team's members'.
    const lower = (ref: string) => ref.toLocaleLowerCase('en-US');
    const mine = new Set(decider.ownershipEntityRefs.map(lower));
    if (!approvers.some(ref => mine.has(lower(ref)))) {
      throw new NotAllowedError(
        `Only ${approvers
          .map(ref => (ref.startsWith('group:') ? `members of ${ref}` : ref))
          .join(' or ')} may ${decision} this step; you are ${decider.actor}`,
      );
    }
  }
  if (
    decision === 'approve' &&
    !settings.allowSelfApproval &&
    actors.some(
      a =>
        a.toLocaleLowerCase('en-US') ===
        decider.actor.toLocaleLowerCase('en-US'),
    )
  ) {
    throw new NotAllowedError(
      `You started this run (${decider.actor}); someone else must approve it (${ALLOW_SELF_APPROVAL_KEY} is off)`,
    );
  }
}

/**
 * The check behind `POST /runs/:id/approve`, after the approve permission:
 * reads the waiting approval's approvers, the run's actors and the caller's
 * ownership refs. Ownership refs come from UserInfoService, the claims the
 * sign-in resolver put in the user's token: the same refs the permission
 * framework hands the catalog's isEntityOwner rule, so "member of the group"
 * means here what it means in a permission policy, with no catalog query.
 */
export class ApprovalDecisionCheck {
  constructor(
    private readonly deps: {
      store: Pick<OrchestrationDatabase, 'runs' | 'events' | 'transaction'>;
      userInfo: Pick<UserInfoService, 'getUserInfo'>;
      settings: ApprovalSettings;
    },
  ) {}

  /**
   * Throws (InputError, NotAllowedError) when the caller may not decide;
   * returns the step of the approval checked (undefined when none waits), so
   * the decision lands on that one and no other.
   */
  async check(options: {
    credentials: BackstageCredentials;
    actor: string;
    run: RunRecord;
    decision: 'approve' | 'reject';
    comment?: string;
  }): Promise<string | undefined> {
    const { store, userInfo, settings } = this.deps;
    const { credentials, run } = options;
    const waiting = await store.runs.getWaitingApproval({ runId: run.id });
    // Nothing waits: the route answers 409 as before.
    if (!waiting) return undefined;
    const events = run.triggerEventIds.length
      ? await store.transaction(tx =>
          store.events.eventsById(tx, { ids: run.triggerEventIds }),
        )
      : new Map();
    const ownershipEntityRefs =
      credentials.principal &&
      (credentials.principal as { type?: string }).type === 'user'
        ? (await userInfo.getUserInfo(credentials)).ownershipEntityRefs
        : [];
    checkApprovalDecision({
      decider: { actor: options.actor, ownershipEntityRefs },
      decision: options.decision,
      comment: options.comment,
      approvers: waiting.approvers,
      actors: runActors(
        run,
        [...events.values()].flatMap(e => [
          e.actor,
          e.origin?.actor,
          ...(e.origin?.onBehalfOf ?? []),
        ]),
      ),
      settings,
    });
    return waiting.stepId;
  }
}
