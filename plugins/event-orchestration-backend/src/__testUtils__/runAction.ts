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

/**
 * What the run engine says when a step's rendered input does not fit the
 * action's schema (StepExecutor: "input does not fit action …"), field by
 * field; undefined when the input fits.
 */
export function inputRefusal(
  action: OrchestrationAction,
  input: Record<string, unknown>,
): string | undefined {
  const parsed = action.schema.input.safeParse(input);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
    .join('; ');
}
