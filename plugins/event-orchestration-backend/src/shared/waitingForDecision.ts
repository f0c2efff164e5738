/**
 * Thrown by an action whose step waits for someone's decision (approval:wait):
 * the run engine parks the run in status `waiting`, releasing its slot, and
 * executes the step again once the run is made runnable (a decision, or its
 * deadline). Shared by actions/ (which throw it) and runs/ (which parks).
 */
export class WaitingForDecisionError extends Error {
  readonly name = 'WaitingForDecisionError';

  constructor(readonly reason: string) {
    super(`waiting for a decision: ${reason}`);
  }
}

/** True when an attempt ended because its step waits for a decision. */
export function isWaitingForDecision(
  error: unknown,
): error is WaitingForDecisionError {
  return (error as Error | null)?.name === 'WaitingForDecisionError';
}
