import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  Run,
  dependencyTakesType,
  isTerminalRunStatus,
} from '@edo/plugin-event-orchestration-common';
import { EventOrchestrationClient } from '@edo/plugin-event-orchestration-node';
import { ResponseError } from '@backstage/errors';

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * The runs an event started, once the sensor engine has decided on it:
 * stored, and a verdict from every loaded sensor listening to its type (the
 * engine stores the event first, then each sensor's verdict and run).
 */
async function runsOfEvent(
  client: EventOrchestrationClient,
  eventId: string,
  credentials: BackstageCredentials,
): Promise<{ runIds: string[]; verdicts: string[] } | undefined> {
  try {
    const details = await client.getEvent(eventId, { credentials });
    const { items: sensors } = await client.getSensors({ credentials });
    const decided = new Set(details.evaluations.map(e => e.sensor));
    const undecided = sensors.filter(
      s =>
        s.spec.dependencies.some(d =>
          dependencyTakesType(d.eventType, details.event.type),
        ) && !decided.has(s.name),
    );
    if (undecided.length > 0) return undefined;
    return {
      runIds: details.runs.map(r => String(r.id)),
      // Why each sensor did or did not act: the task log says it.
      verdicts: details.evaluations.map(e => `${e.sensor}: ${e.reason}`),
    };
  } catch (error) {
    if (error instanceof ResponseError && error.response.status === 404)
      return undefined; // not stored yet
    throw error;
  }
}

/**
 * `event-orchestration:run:wait`: waits for the runs an event started (or one
 * run) to finish, writing each step's progress into the task log.
 */
export function createWaitForRunsAction(
  client: EventOrchestrationClient,
  options: { pollIntervalMs?: number } = {},
) {
  const poll = options.pollIntervalMs ?? 2000;
  return createTemplateAction({
    id: 'event-orchestration:run:wait',
    description:
      'Waits until the runs started by an event (or a given run) have finished, logging their steps; fails when a run fails.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Wait for what a published event started',
        example: `steps:
  - id: wait
    action: event-orchestration:run:wait
    input:
      eventId: \${{ steps.publish.output.eventId }}
      timeoutSeconds: 600`,
      },
    ],
    schema: {
      input: {
        eventId: z =>
          z
            .string()
            .optional()
            .describe('Wait for the runs this event started'),
        runId: z => z.string().optional().describe('Or wait for this run'),
        timeoutSeconds: z => z.number().int().min(1).max(86_400).default(600),
        failOnRunFailure: z =>
          z
            .boolean()
            .default(true)
            .describe('Fail the task when a run fails or is cancelled'),
        requireRun: z =>
          z
            .boolean()
            .default(true)
            .describe('Fail when the event started no run'),
      },
      output: {
        status: z =>
          z.string().describe('succeeded, failed, cancelled, or no-run'),
        runIds: z => z.array(z.string()),
      },
    },
    async handler(ctx) {
      // The scaffolder validates inputs but does not apply the schema's
      // defaults: a template that leaves them out gets them here.
      const {
        eventId,
        runId,
        timeoutSeconds = 600,
        failOnRunFailure = true,
        requireRun = true,
      } = ctx.input;
      if (!eventId === !runId)
        throw new Error('give exactly one of eventId, runId');
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would wait up to ${timeoutSeconds}s for ${
            eventId ? `the runs of event ${eventId}` : `run ${runId}`
          }`,
        );
        ctx.output('status', 'succeeded');
        ctx.output('runIds', []);
        return;
      }
      const credentials = await ctx.getInitiatorCredentials();
      const deadline = Date.now() + timeoutSeconds * 1000;
      const overdue = () => {
        if (Date.now() > deadline)
          throw new Error(`gave up after ${timeoutSeconds}s`);
      };

      let runIds: string[] | undefined = runId ? [runId] : undefined;
      let verdicts: string[] = [];
      // The event is decided within moments of being published: wait for its verdicts.
      while (!runIds) {
        overdue();
        ctx.signal?.throwIfAborted();
        const decided = await runsOfEvent(client, eventId!, credentials);
        if (decided) ({ runIds, verdicts } = decided);
        else await sleep(poll);
      }
      if (runIds.length === 0) {
        ctx.logger.info(`Event ${eventId} started no run`);
        for (const verdict of verdicts) ctx.logger.info(verdict);
        ctx.output('status', 'no-run');
        ctx.output('runIds', []);
        if (requireRun)
          throw new Error(
            `event ${eventId} started no run: no sensor matched it${
              verdicts.length ? ` (${verdicts.join('; ')})` : ''
            }`,
          );
        return;
      }

      const seen = new Map<string, string>();
      const finished = new Map<string, Run>();
      while (finished.size < runIds.length) {
        overdue();
        ctx.signal?.throwIfAborted();
        for (const id of runIds.filter(r => !finished.has(r))) {
          const run = await client.getRun(id, { credentials });
          for (const step of run.steps) {
            const key = `${id}/${step.id}`;
            if (seen.get(key) !== step.status) {
              seen.set(key, step.status);
              if (step.status !== 'pending') {
                ctx.logger.info(
                  `run ${id.slice(0, 8)} (${run.sensor}): step ${step.id} ${
                    step.status
                  }${step.error ? `: ${step.error}` : ''}`,
                );
              }
            }
          }
          if (isTerminalRunStatus(run.status)) finished.set(id, run);
        }
        if (finished.size < runIds.length) await sleep(poll);
      }
      const runs = [...finished.values()];
      const bad = runs.find(r => r.status !== 'succeeded');
      ctx.output('status', bad ? bad.status : 'succeeded');
      // A fresh array: the scaffolder refuses arrays built in another realm (fetch's JSON).
      ctx.output('runIds', [...runIds]);
      if (bad && failOnRunFailure) {
        throw new Error(
          `run ${bad.id} of ${bad.sensor} ${bad.status}: ${
            bad.error ?? 'no error recorded'
          }`,
        );
      }
    },
  });
}
