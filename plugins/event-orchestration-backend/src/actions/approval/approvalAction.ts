import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { parseDuration } from '@edo/plugin-event-orchestration-common';
import { z } from 'zod';
import type { EntityResolver } from '../../catalog';
import type { RunStore } from '../../store';
import { WaitingForDecisionError } from '../../shared/waitingForDecision';
import { examples } from './approvalAction.examples';
import { approversSchema, resolveApprovers } from './approvers';

/** The longest an approval may wait: a parked run holds no slot, but its data stays. */
const MAX_TIMEOUT_MS = 30 * 24 * 3600_000;

/**
 * `approval:wait`: the run waits until someone approves or rejects it
 * (`POST /runs/:id/approve`), like StackStorm's inquiries. While it waits it
 * is parked (status `waiting`) and holds no run slot; a decision or the
 * deadline makes it runnable, and this step is executed again to read the
 * outcome. A rejection fails the step with who rejected it and why; a
 * timeout fails it or lets the run go on, as configured. Who may decide: the
 * step's `approvers` (groups, the entity's owner), else anyone with the
 * approve permission; never the run's actor unless
 * eventOrchestration.approvals.allowSelfApproval is on (checked by the route,
 * runs/approvalDecision.ts).
 */
export function createApprovalAction(
  runs: Pick<RunStore, 'requestApproval' | 'getApproval' | 'timeOutApproval'>,
  entities: Pick<EntityResolver, 'getEntity'>,
) {
  return createOrchestrationAction({
    id: 'approval:wait',
    description:
      'Waits, holding no run slot, until a permitted user approves or rejects the run (POST /runs/:id/approve).',
    examples,
    schema: {
      input: z
        .object({
          prompt: z
            .string()
            .min(1)
            .max(2000)
            .describe('What the approver decides'),
          timeout: z
            .string()
            .refine(
              d => parseDuration(d) !== undefined,
              'must be a duration such as 30m or 1d',
            )
            .refine(
              d => (parseDuration(d) ?? 0) <= MAX_TIMEOUT_MS,
              'must be at most 30d',
            )
            .default('1d')
            .describe('How long to wait for a decision, at most 30d'),
          onTimeout: z.enum(['fail', 'continue']).default('fail'),
          approvers: approversSchema.optional(),
        })
        .strict(),
      output: z.object({
        decision: z.enum(['approved', 'timed-out']),
        decidedBy: z.string(),
        comment: z.string(),
      }),
    },
    async handler(ctx) {
      const key = { runId: ctx.runId, stepId: ctx.stepId };
      const timeoutMs = parseDuration(ctx.input.timeout)!;
      // Approvers are resolved once, when the step first asks, and stored
      // with the request: the route checks the decider against that list.
      const approval =
        (await runs.getApproval(key)) ??
        (await runs.requestApproval({
          ...key,
          prompt: ctx.input.prompt,
          timeoutMs,
          approvers: ctx.input.approvers
            ? await resolveApprovers(
                ctx.input.approvers,
                ctx.entityRefs,
                entities,
              )
            : undefined,
        }));
      const by = `${approval.decidedBy}${
        approval.comment ? `: ${approval.comment}` : ''
      }`;
      if (approval.status === 'approved' && approval.decidedBy !== 'timeout') {
        ctx.logger.info(`approved by ${by}`);
        ctx.output('decision', 'approved');
        ctx.output('decidedBy', approval.decidedBy!);
        ctx.output('comment', approval.comment ?? '');
        return;
      }
      if (approval.status === 'rejected' && approval.decidedBy !== 'timeout') {
        throw new Error(`rejected by ${by}`);
      }
      const deadline = approval.expiresAt ?? approval.requestedAt + timeoutMs;
      if (approval.status !== 'waiting' || Date.now() >= deadline) {
        // Decide the timeout in the store too, so a late approval is refused.
        await runs.timeOutApproval({
          ...key,
          outcome: ctx.input.onTimeout === 'continue' ? 'approved' : 'rejected',
        });
        if (ctx.input.onTimeout === 'fail')
          throw new Error(`no decision within ${ctx.input.timeout}`);
        ctx.logger.warn(`no decision within ${ctx.input.timeout}; going on`);
        ctx.output('decision', 'timed-out');
        ctx.output('decidedBy', 'timeout');
        ctx.output('comment', '');
        return;
      }
      ctx.logger.info(
        `waiting for approval${
          approval.approvers
            ? ` by a member of ${approval.approvers.join(', ')}`
            : ''
        }: ${ctx.input.prompt}`,
      );
      throw new WaitingForDecisionError(
        `approval until ${new Date(deadline).toISOString()}`,
      );
    },
  });
}
