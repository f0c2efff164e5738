import { LoggerService } from '@backstage/backend-plugin-api';
import {
  WorkflowStep,
  parseDuration,
} from '@edo/plugin-event-orchestration-common';
import { OrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { RunRecord, StepPatch } from '../store';
import { evaluateCel } from '../shared/templating/cel';
import { renderTemplate } from '../shared/templating/renderTemplate';
import { TemplateSecrets } from '../shared/templating/secrets';
import { checkStepEntity } from '../catalog';
import { StepLogger } from './StepLogger';
import { StepAttempt, isRefusal } from './StepAttempt';
import { scrubText } from '../shared/redaction/redactSecrets';
import { RunMetrics } from './runMetrics';
import { sleep } from '../shared/timers/sleep';
import { isWaitingForDecision } from '../shared/waitingForDecision';

/** A change to a step's record, stored with its credentials redacted. */
export type StepChange = StepPatch;

/**
 * How a step ended, or `waiting`: its action waits for a decision, the step
 * is stored as waiting and the run is to be parked (RunExecutor).
 */
export interface StepOutcome {
  status: 'succeeded' | 'failed' | 'skipped' | 'waiting';
  output: Record<string, unknown>;
  error?: string;
}

/** Whether a step's `if:` holds: CEL, bare or as one `${{ }}` template. */
function conditionHolds(
  condition: string,
  context: Record<string, unknown>,
): boolean {
  const value = condition.includes('${{')
    ? renderTemplate(condition, context)
    : evaluateCel(condition, context);
  if (typeof value !== 'boolean') {
    throw new Error(
      `if: \`${condition}\` gave ${JSON.stringify(value)}, not a boolean`,
    );
  }
  return value;
}

/** The back-off before retry number `n` (from 0): exponential, capped at `maxBackoff`. */
function backoffMs(retry: NonNullable<WorkflowStep['retry']>, n: number) {
  const base = parseDuration(retry.backoff)!;
  return Math.min(
    base * retry.factor ** n,
    retry.maxBackoff
      ? parseDuration(retry.maxBackoff)!
      : Number.POSITIVE_INFINITY,
  );
}

/**
 * The actions steps can call, as the run engine needs them. The wiring passes
 * the action registry; runs/ does not import the actions stage.
 */
export interface ActionLookup {
  get(id: string): OrchestrationAction | undefined;
}

/**
 * Executes one step: its `if:` condition, its input rendered (secrets in, and
 * masked in what is stored) and checked against the action's schema, then
 * attempts with back-off until one succeeds, the retries run out, the action
 * refuses by policy, waits for a decision (WaitingForDecisionError: the step
 * is stored as `waiting`) or the run is cancelled. Every change is stored.
 */
export class StepExecutor {
  constructor(
    private readonly deps: {
      actions: ActionLookup;
      metrics: RunMetrics;
      /** Configured secret values, scrubbed from the step's log lines. */
      secrets: string[];
      templateSecrets?: TemplateSecrets;
      /** Stores a change to the step at `position` of a run. */
      updateStep(
        runId: string,
        position: number,
        patch: StepChange,
      ): Promise<unknown>;
      /** Longest time one attempt may take unless the step or action says otherwise. */
      stepTimeoutMs: number;
    },
  ) {}

  async execute(request: {
    run: RunRecord;
    position: number;
    step: WorkflowStep;
    /** Attempts made before, by this process or one that died. */
    previousAttempts: number;
    /** What templates and conditions see, as of now. */
    context: () => Record<string, unknown>;
    /** Fires when the run is cancelled. */
    cancelled: AbortSignal;
    logger: LoggerService;
  }): Promise<StepOutcome> {
    const { run, position, step, previousAttempts, context, cancelled } =
      request;
    const { actions, secrets } = this.deps;
    const updateStep = (patch: StepChange) =>
      this.deps.updateStep(run.id, position, patch);
    const stepLogger = new StepLogger(
      request.logger.child({ step: step.id }),
      [],
      text => scrubText(text, secrets),
    );
    const declared = step.timeout ?? actions.get(step.action)?.defaultTimeout;
    const timeoutMs = declared
      ? parseDuration(declared) ?? this.deps.stepTimeoutMs
      : this.deps.stepTimeoutMs;
    const maxAttempts = step.retry?.attempts ?? 1;
    let attempts = previousAttempts;
    let output: Record<string, unknown> = {};
    /** The input as stored and shown: `***` where a secret went. */
    let shownInput: unknown;
    const fail = async (message: string) => {
      await updateStep({
        status: cancelled.aborted ? 'cancelled' : 'failed',
        error: message,
        output,
        logs: stepLogger.lines,
        attempts,
        ...(shownInput !== undefined ? { input: shownInput } : {}),
        finishedAt: new Date().toISOString(),
      });
      return { status: 'failed' as const, output, error: message };
    };

    // Condition, action and input are checked once: retrying cannot fix them.
    try {
      // Several entities claim the event: `entity` would be a guess.
      checkStepEntity(step, run.entityRefs);
      if (step.if !== undefined && !conditionHolds(step.if, context())) {
        await updateStep({
          status: 'skipped',
          finishedAt: new Date().toISOString(),
        });
        stepLogger.info(`skipped: if \`${step.if}\` is false`);
        return { status: 'skipped', output: {} };
      }
    } catch (error) {
      return fail((error as Error).message);
    }
    const action = actions.get(step.action);
    if (!action) return fail(`no action '${step.action}' is registered`);
    let input: unknown;
    try {
      const templateSecrets = (
        this.deps.templateSecrets ?? TemplateSecrets.none()
      ).contextsFor(step.input, {
        action: step.action,
        startedByHand: run.sensor.startsWith('action:'),
      });
      const renderedInput = renderTemplate(
        step.input,
        templateSecrets
          ? { ...context(), secrets: templateSecrets.real }
          : context(),
      );
      shownInput = templateSecrets
        ? renderTemplate(step.input, {
            ...context(),
            secrets: templateSecrets.masked,
          })
        : renderedInput;
      const parsed = action.schema.input.safeParse(renderedInput);
      if (!parsed.success) {
        return fail(
          `input does not fit action '${step.action}': ${parsed.error.issues
            .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
            .join('; ')}`,
        );
      }
      input = parsed.data;
    } catch (error) {
      return fail((error as Error).message);
    }

    const startedAt = new Date().toISOString();
    const started = performance.now();
    const measure = (status: 'succeeded' | 'failed') =>
      this.deps.metrics.stepFinished(
        step.action,
        status,
        (performance.now() - started) / 1000,
      );
    let lastError = '';
    while (attempts < previousAttempts + maxAttempts) {
      attempts++;
      const attemptOutput: Record<string, unknown> = {};
      output = attemptOutput;
      await updateStep({
        status: 'running',
        attempts,
        startedAt,
        input: shownInput,
      });
      const attempt = new StepAttempt({
        step,
        timeoutMs,
        cancelled,
        output: attemptOutput,
      });
      try {
        await attempt.run(action, {
          input,
          logger: stepLogger,
          events: (context().triggerEvents as any[]) ?? [],
          entityRefs: run.entityRefs,
          runId: run.id,
          stepId: step.id,
          // Stable across attempts, redeliveries and resumption by another process.
          idempotencyKey: `${run.id}:${step.id}`,
        });
        await updateStep({
          status: 'succeeded',
          output,
          error: null,
          logs: stepLogger.lines,
          attempts,
          finishedAt: new Date().toISOString(),
        });
        measure('succeeded');
        return { status: 'succeeded', output };
      } catch (error) {
        if (isWaitingForDecision(error) && !attempt.signal.aborted) {
          // Not an attempt that failed: the step asks again once woken.
          stepLogger.info(error.message);
          await updateStep({
            status: 'waiting',
            attempts: attempts - 1,
            logs: stepLogger.lines,
          });
          return { status: 'waiting', output: {} };
        }
        lastError = attempt.failure(error);
        if (!cancelled.aborted) this.deps.metrics.actionFailed(step.action);
        const left = previousAttempts + maxAttempts - attempts;
        if (cancelled.aborted || left === 0 || isRefusal(error)) break;
        const delay = backoffMs(step.retry!, attempts - previousAttempts - 1);
        stepLogger.warn(
          `attempt ${attempts} failed: ${lastError}; retrying in ${delay} ms (${left} left)`,
        );
        await updateStep({
          error: lastError,
          logs: stepLogger.lines,
          attempts,
        });
        await sleep(delay, cancelled);
      }
    }
    measure('failed');
    return fail(lastError);
  }
}
