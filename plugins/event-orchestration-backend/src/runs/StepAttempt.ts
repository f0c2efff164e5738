import { WorkflowStep } from '@edo/plugin-event-orchestration-common';
import {
  OrchestrationAction,
  OrchestrationActionContext,
} from '@edo/plugin-event-orchestration-node';

function errorMessage(error: unknown, timeoutMs: number): string {
  // fetch rejects with a DOMException, which is not an Error on every Node version.
  const named = error as { name?: unknown; message?: unknown } | null;
  if (named && named.name === 'TimeoutError')
    return `timed out after ${timeoutMs} ms`;
  if (named && typeof named.message === 'string') return named.message;
  return String(error);
}

/**
 * The handler's outcome, or the signal's reason once it fires. A handler that
 * ignores its signal (a client library without one) is abandoned, so it cannot
 * hold a run slot past the step's timeout.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abandon = () => reject(signal.reason);
    if (signal.aborted) {
      abandon();
      return;
    }
    signal.addEventListener('abort', abandon, { once: true });
    work
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', abandon));
  });
}

/**
 * Whether an attempt's error is a refusal by policy (NotAllowedError, e.g.
 * http:request to a denied address): another attempt cannot turn out
 * differently.
 */
export function isRefusal(error: unknown): boolean {
  return (error as Error | null)?.name === 'NotAllowedError';
}

/**
 * One attempt at a step's action. Its handler gets a signal that fires on the
 * step's timeout or the run's cancellation, and is abandoned when it fires.
 */
export class StepAttempt {
  /** Fires on the step's timeout or the run's cancellation. */
  readonly signal: AbortSignal;
  /** Once the attempt is over, what an abandoned handler records is dropped. */
  private over = false;

  constructor(
    private readonly options: {
      step: WorkflowStep;
      timeoutMs: number;
      /** Fires when the run is cancelled. */
      cancelled: AbortSignal;
      /** Where the handler's outputs go while the attempt lasts. */
      output: Record<string, unknown>;
    },
  ) {
    this.signal = AbortSignal.any([
      options.cancelled,
      AbortSignal.timeout(options.timeoutMs),
    ]);
  }

  /** Calls the handler and waits for it, or for the signal to fire. */
  async run(
    action: OrchestrationAction,
    context: Omit<OrchestrationActionContext<unknown>, 'signal' | 'output'>,
  ): Promise<void> {
    const handling = action.handler({
      ...context,
      signal: this.signal,
      output: (name, value) => {
        if (!this.over) this.options.output[name] = value;
      },
    });
    try {
      await untilAborted(handling, this.signal);
    } finally {
      this.over = true;
    }
  }

  /** Why the attempt failed, as the step's record says it. */
  failure(error: unknown): string {
    const { step, timeoutMs, cancelled } = this.options;
    if (cancelled.aborted) return 'the run was cancelled';
    if (this.signal.aborted)
      return `step '${step.id}' timed out after ${timeoutMs} ms`;
    return errorMessage(error, timeoutMs);
  }
}
