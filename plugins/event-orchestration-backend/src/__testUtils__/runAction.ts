import { mockServices } from '@backstage/backend-test-utils';
import { OrchestrationAction } from '@edo/plugin-event-orchestration-node';

/**
 * Calls an action's handler the way the run engine does — input parsed by its
 * schema, a step logger, an idempotency key `<runId>:<stepId>` — and returns
 * the outputs it recorded.
 */
export async function runActionForTest(
  action: OrchestrationAction,
  input: Record<string, unknown>,
  ids: { runId: string; stepId: string } = { runId: 'run-1', stepId: 'step' },
): Promise<Record<string, unknown>> {
  const output: Record<string, unknown> = {};
  await action.handler({
    input: action.schema.input.parse(input),
    logger: mockServices.logger.mock(),
    events: [],
    entityRefs: [],
    runId: ids.runId,
    stepId: ids.stepId,
    idempotencyKey: `${ids.runId}:${ids.stepId}`,
    signal: new AbortController().signal,
    output: (name, value) => {
      output[name] = value;
    },
  });
  return output;
}
