import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { parseDuration } from '@edo/plugin-event-orchestration-common';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { RunStore } from '../../store';
import { examples } from './approvalAction.examples';

/**
 * `approval:wait`: pauses the run until a user with permission
 * event-orchestration.run.approve approves or rejects it
 * (`POST /runs/:id/approve`), like StackStorm's inquiries. A rejection fails
 * the step; a timeout fails it or lets the run go on, as configured. The
 * request is stored, so a run resumed by another process keeps waiting for the
 * same decision.
 */
export function createApprovalAction(
  runs: Pick<RunStore, 'requestApproval' | 'getApproval' | 'timeOutApproval'>,
  options: { pollIntervalMs?: number } = {},
) {
  return createOrchestrationAction({
    id: 'approval:wait',
    description:
      'Waits until a permitted user approves or rejects the run (POST /runs/:id/approve).',
    defaultTimeout: '7d',
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
            .default('1d'),
          onTimeout: z.enum(['fail', 'continue']).default('fail'),
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
      const request = await runs.requestApproval({
        ...key,
        prompt: ctx.input.prompt,
      });
      const deadline = request.requestedAt + parseDuration(ctx.input.timeout)!;
      ctx.logger.info(`waiting for approval: ${ctx.input.prompt}`);
      for (;;) {
        const approval = (await runs.getApproval(key))!;
        const by = `${approval.decidedBy}${
          approval.comment ? `: ${approval.comment}` : ''
        }`;
        if (approval.status === 'approved') {
          ctx.logger.info(`approved by ${by}`);
          ctx.output('decision', 'approved');
          ctx.output('decidedBy', approval.decidedBy!);
          ctx.output('comment', approval.comment ?? '');
          return;
        }
        if (approval.status === 'rejected') {
          throw new Error(`rejected by ${by}`);
        }
        if (Date.now() >= deadline) {
          // Decide the timeout in the store too, so a late approval is refused.
          await runs.timeOutApproval({
            ...key,
            outcome:
              ctx.input.onTimeout === 'continue' ? 'approved' : 'rejected',
          });
          if (ctx.input.onTimeout === 'fail')
            throw new Error(`no decision within ${ctx.input.timeout}`);
          ctx.logger.warn(`no decision within ${ctx.input.timeout}; going on`);
          ctx.output('decision', 'timed-out');
          ctx.output('decidedBy', 'timeout');
          ctx.output('comment', '');
          return;
        }
        // Rejects when the step times out or the run is cancelled; it also
        // leaves no listener behind on the signal per poll.
        await delay(options.pollIntervalMs ?? 1000, undefined, {
          signal: ctx.signal,
        });
      }
    },
  });
}
