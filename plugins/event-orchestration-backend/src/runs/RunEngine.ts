import { randomUUID, createHash } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  RunAuditEntry,
  RunStatus,
  SensorSpec,
  WorkflowStep,
  parseDuration,
} from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { ActionRegistry } from '../actions';
import { EntityResolver } from '../catalog';
import { OrchestrationStore, RunRecord } from '../store';
import { evaluateCel } from '../templating/cel';
import { renderTemplate } from '../templating/renderTemplate';
import { TemplateSecrets } from '../templating/secrets';
import { StepLogger } from './StepLogger';
import { WakeableTimer } from '../bus/WakeableTimer';
import { redactSecrets, scrubText } from './redactSecrets';
import { RunMetrics } from './runMetrics';

/** Tunables of the run engine. */
export interface RunEngineOptions {
  /** How long a run stays leased to this process without renewal. */
  leaseMs?: number;
  /** How often to look for runs left behind by other (crashed) processes. */
  pollIntervalMs?: number;
  /** Longest time one step attempt may take unless the step sets `timeout`. */
  stepTimeoutMs?: number;
  /** Runs executed at once by this process. */
  concurrency?: number;
}

const DEFAULTS: Required<RunEngineOptions> = {
  leaseMs: 60_000,
  pollIntervalMs: 2_000,
  stepTimeoutMs: 5 * 60_000,
  concurrency: 4,
};

/** Called when a run changes status (live updates) or finishes (follow-up events). */
export interface RunEngineHooks {
  onStatusChange?(run: {
    id: string;
    sensor: string;
    status: RunStatus;
    entityRefs: string[];
  }): void;
  onFinished?(run: RunRecord): Promise<void>;
}

class RunCancelledError extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'RunCancelledError';
  }
}

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

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>(resolve => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
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

/**
 * Creates runs idempotently and executes their steps in order, with `if:`
 * conditions, retries with back-off, timeouts and `onFailure` steps. Runs are
 * leased in the store, so when a process dies, another picks its runs up once
 * the lease expires; steps already succeeded are not repeated, and a step that
 * was in flight runs again with the same idempotency key. A run cancelled
 * through the API is noticed at the next lease renewal, step or attempt, and
 * the action in flight is aborted.
 */
export class RunEngine {
  private readonly options: Required<RunEngineOptions>;
  private readonly owner = `run-engine-${randomUUID()}`;
  private readonly active = new Map<string, Promise<void>>();
  private running = false;
  private readonly timer = new WakeableTimer();
  private loop?: Promise<void>;
  private readonly metrics: RunMetrics;

  constructor(
    private readonly deps: {
      store: OrchestrationStore;
      actions: ActionRegistry;
      entities: EntityResolver;
      logger: LoggerService;
      hooks?: RunEngineHooks;
      /** OpenTelemetry instruments; default on the global MeterProvider. */
      metrics?: RunMetrics;
      /** Configured secret values, scrubbed from everything a step stores (see knownSecretValues). */
      secrets?: string[];
      /** What `${{ secrets.<name> }}` resolves to in step inputs. */
      templateSecrets?: TemplateSecrets;
    },
    options: RunEngineOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.metrics = deps.metrics ?? new RunMetrics();
  }

  /**
   * Creates a run for a sensor's match, once per sensor and triggering events.
   * Inside a caller's transaction (`tx`), call `notify()` after it committed.
   */
  async startRun(
    request: {
      sensor: SensorSpec;
      triggerEventIds: string[];
      triggerDependencies?: Record<string, string>;
      entityRefs: string[];
      group?: string;
    },
    tx?: Knex.Transaction,
  ) {
    const idempotencyKey = createHash('sha256')
      .update(
        JSON.stringify([
          request.sensor.name,
          [...request.triggerEventIds].sort(),
        ]),
      )
      .digest('hex');
    const result = await this.deps.store.createRun(
      {
        sensor: request.sensor.name,
        idempotencyKey,
        triggerEventIds: request.triggerEventIds,
        triggerDependencies: request.triggerDependencies ?? {},
        entityRefs: request.entityRefs,
        steps: request.sensor.workflow.steps,
        onFailure: request.sensor.workflow.onFailure ?? [],
        group: request.group,
      },
      tx,
    );
    if (result.created && !tx) this.notify();
    return result;
  }

  /** Runs one action as a one-step run, started by hand (`POST /actions/:id/runs`). */
  async startActionRun(request: {
    actionId: string;
    input: Record<string, unknown>;
    entityRefs: string[];
    actor: string;
    /** Same key, same run: a client retrying its request starts nothing new. */
    idempotencyKey?: string;
  }) {
    const key = request.idempotencyKey
      ? createHash('sha256')
          .update(
            JSON.stringify([
              'action',
              request.actionId,
              request.idempotencyKey,
            ]),
          )
          .digest('hex')
      : randomUUID();
    const audit: RunAuditEntry = {
      action: 'start',
      actor: request.actor,
      at: new Date().toISOString(),
    };
    const result = await this.deps.store.createRun({
      sensor: `action:${request.actionId}`,
      idempotencyKey: key,
      triggerEventIds: [],
      triggerDependencies: {},
      entityRefs: request.entityRefs,
      steps: [{ id: 'run', action: request.actionId, input: request.input }],
      audit: [audit],
    });
    if (result.created) this.notify();
    return result;
  }

  /** Looks for new runs now rather than at the next poll. */
  notify() {
    this.timer.wake();
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          const free = this.options.concurrency - this.active.size;
          if (free > 0) {
            const runs = await this.deps.store.leaseRunnableRuns(
              this.owner,
              this.options.leaseMs,
              free,
            );
            for (const run of runs) {
              // Our own run whose lease ran out while we still execute it (renewals
              // starved on a loaded machine): leasing it again just renewed the
              // lease; a second execution would run its steps twice.
              if (this.active.has(run.id)) continue;
              const done = this.execute(run)
                .catch(error =>
                  this.deps.logger.error(`Run ${run.id} crashed: ${error}`),
                )
                .finally(() => {
                  this.active.delete(run.id);
                  this.timer.wake();
                });
              this.active.set(run.id, done);
            }
            if (runs.length > 0) {
              // Let HTTP requests and timers in between (SQLite never waits on I/O).
              await new Promise(resolve => setImmediate(resolve));
              continue;
            }
          }
        } catch (error) {
          this.deps.logger.error(`Run engine could not lease runs: ${error}`);
        }
        await this.timer.sleep(this.options.pollIntervalMs);
      }
    })();
  }

  async stop() {
    this.running = false;
    this.timer.wake();
    await this.loop;
    await Promise.all(this.active.values());
  }

  /**
   * Stores a step change with credentials redacted from its input, output,
   * logs and error: configured values (a server may echo a token), secret keys
   * and credential-shaped text.
   */
  private updateStep(
    runId: string,
    position: number,
    patch: Parameters<OrchestrationStore['updateStep']>[2],
  ) {
    return this.deps.store.updateStep(
      runId,
      position,
      redactSecrets(patch, this.deps.secrets ?? []),
    );
  }

  private changed(run: RunRecord, status: RunStatus) {
    try {
      this.deps.hooks?.onStatusChange?.({
        id: run.id,
        sensor: run.sensor,
        status,
        entityRefs: run.entityRefs,
      });
    } catch (error) {
      this.deps.logger.warn(`Run status hook failed: ${error}`);
    }
  }

  private async execute(run: RunRecord) {
    const { store, entities } = this.deps;
    const logger = this.deps.logger.child({
      runId: run.id,
      sensor: run.sensor,
    });
    const cancel = new AbortController();
    const checkCancelled = async () => {
      if (
        !cancel.signal.aborted &&
        (await store.getRunStatus(run.id)) === 'cancelled'
      ) {
        cancel.abort(new RunCancelledError());
      }
    };
    const renewal = setInterval(() => {
      store
        .renewRunLease(run.id, this.owner, this.options.leaseMs)
        .then(checkCancelled)
        .catch(error => logger.warn(`Could not renew lease: ${error}`));
    }, this.options.leaseMs / 3);
    try {
      if (run.status === 'pending') {
        await store.updateRun(run.id, {
          status: 'running',
          startedAt: new Date().toISOString(),
        });
        this.changed(run, 'running');
      }
      const triggerEvents = (
        await Promise.all(run.triggerEventIds.map(id => store.getEvent(id)))
      ).flatMap(e => (e ? [e.event] : []));
      const byDependency = Object.fromEntries(
        Object.entries(run.triggerDependencies).flatMap(([dependency, id]) => {
          const found = triggerEvents.find(e => e.id === id);
          return found ? [[dependency, found]] : [];
        }),
      );
      const entity = run.entityRefs.length
        ? (await entities.getEntity(run.entityRefs[0])) ?? null
        : null;
      const stepOutputs: Record<
        string,
        { output: Record<string, unknown>; status: string }
      > = {};
      const context = () => ({
        event: triggerEvents[triggerEvents.length - 1] ?? null,
        events: byDependency,
        triggerEvents,
        entity,
        steps: stepOutputs,
        run: { id: run.id, sensor: run.sensor },
      });

      let failure: string | undefined;
      for (const [position, step] of run.workflow.entries()) {
        const state = run.steps[position];
        const phase = state?.phase ?? 'main';
        if (
          state?.status === 'succeeded' ||
          (state?.status === 'skipped' && phase === 'main')
        ) {
          stepOutputs[step.id] = {
            output: state.output ?? {},
            status: state.status,
          };
          continue;
        }
        if (phase === 'onFailure' && failure === undefined) {
          await this.updateStep(run.id, position, { status: 'skipped' });
          continue;
        }
        await checkCancelled();
        if (cancel.signal.aborted) break;
        const outcome = await this.executeStep(
          run,
          position,
          step,
          state?.attempts ?? 0,
          context,
          cancel.signal,
          logger,
        );
        stepOutputs[step.id] = {
          output: outcome.output,
          status: outcome.status,
        };
        if (
          outcome.status === 'failed' &&
          phase === 'main' &&
          failure === undefined
        ) {
          failure = `step '${step.id}' failed: ${outcome.error}`;
          // Later main steps will not run; onFailure steps will.
          for (let later = position + 1; later < run.workflow.length; later++) {
            if (run.steps[later]?.phase !== 'onFailure') {
              await this.updateStep(run.id, later, { status: 'skipped' });
              run.steps[later] = { ...run.steps[later], status: 'skipped' };
            }
          }
        }
      }

      await checkCancelled();
      if (cancel.signal.aborted) {
        logger.info('Run cancelled');
        this.metrics.runFinished(run.sensor, 'cancelled');
        this.changed(run, 'cancelled');
        await this.finished(run.id);
        return;
      }
      const status: RunStatus = failure ? 'failed' : 'succeeded';
      const runError = failure
        ? scrubText(failure, this.deps.secrets ?? [])
        : null;
      const finished = await store.finishRun(
        run.id,
        this.owner,
        status,
        runError,
      );
      if (!finished) {
        logger.warn(
          'Run was taken over or cancelled meanwhile; its outcome here is dropped',
        );
        return;
      }
      if (runError) logger.warn(`Run failed: ${runError}`);
      this.metrics.runFinished(run.sensor, status);
      this.changed(run, status);
      await this.finished(run.id);
    } finally {
      clearInterval(renewal);
    }
  }

  private async finished(runId: string) {
    const hook = this.deps.hooks?.onFinished;
    if (!hook) return;
    // Finished: nothing about it changes any more, so no snapshot is needed.
    const run = await this.deps.store.getRun(runId, { snapshot: false });
    if (run) {
      await hook(run).catch(error =>
        this.deps.logger.warn(
          `Run finished hook failed for ${runId}: ${error}`,
        ),
      );
    }
  }

  /** Executes one step with its condition, retries and timeout; stores every change. */
  private async executeStep(
    run: RunRecord,
    position: number,
    step: WorkflowStep,
    previousAttempts: number,
    context: () => Record<string, unknown>,
    cancelled: AbortSignal,
    logger: LoggerService,
  ): Promise<{
    status: 'succeeded' | 'failed' | 'skipped';
    output: Record<string, unknown>;
    error?: string;
  }> {
    const { actions } = this.deps;
    const stepLogger = new StepLogger(
      logger.child({ step: step.id }),
      [],
      text => scrubText(text, this.deps.secrets ?? []),
    );
    const declared = step.timeout ?? actions.get(step.action)?.defaultTimeout;
    const timeoutMs = declared
      ? parseDuration(declared) ?? this.options.stepTimeoutMs
      : this.options.stepTimeoutMs;
    const maxAttempts = step.retry?.attempts ?? 1;
    let attempts = previousAttempts;
    let output: Record<string, unknown> = {};
    /** The input as stored and shown: `***` where a secret went. */
    let shownInput: unknown;
    const fail = async (message: string) => {
      await this.updateStep(run.id, position, {
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
      if (step.if !== undefined && !conditionHolds(step.if, context())) {
        await this.updateStep(run.id, position, {
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
      const secrets = (
        this.deps.templateSecrets ?? TemplateSecrets.none()
      ).contextsFor(step.input, {
        action: step.action,
        startedByHand: run.sensor.startsWith('action:'),
      });
      const renderedInput = renderTemplate(
        step.input,
        secrets ? { ...context(), secrets: secrets.real } : context(),
      );
      shownInput = secrets
        ? renderTemplate(step.input, { ...context(), secrets: secrets.masked })
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
      this.metrics.stepFinished(
        step.action,
        status,
        (performance.now() - started) / 1000,
      );
    let lastError = '';
    while (attempts < previousAttempts + maxAttempts) {
      attempts++;
      const attemptOutput: Record<string, unknown> = {};
      output = attemptOutput;
      await this.updateStep(run.id, position, {
        status: 'running',
        attempts,
        startedAt,
        input: shownInput,
      });
      const attemptSignal = AbortSignal.any([
        cancelled,
        AbortSignal.timeout(timeoutMs),
      ]);
      // Once the attempt is over, what an abandoned handler records is dropped.
      let attemptOver = false;
      try {
        const handling = action.handler({
          input,
          logger: stepLogger,
          events: (context().triggerEvents as any[]) ?? [],
          entityRefs: run.entityRefs,
          runId: run.id,
          stepId: step.id,
          // Stable across attempts, redeliveries and resumption by another process.
          idempotencyKey: `${run.id}:${step.id}`,
          signal: attemptSignal,
          output: (name, value) => {
            if (!attemptOver) attemptOutput[name] = value;
          },
        });
        try {
          await untilAborted(handling, attemptSignal);
        } finally {
          attemptOver = true;
        }
        await this.updateStep(run.id, position, {
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
        if (cancelled.aborted) lastError = 'the run was cancelled';
        else if (attemptSignal.aborted)
          lastError = `step '${step.id}' timed out after ${timeoutMs} ms`;
        else lastError = errorMessage(error, timeoutMs);
        if (!cancelled.aborted) this.metrics.actionFailed(step.action);
        const left = previousAttempts + maxAttempts - attempts;
        // A refusal by policy (NotAllowedError, e.g. http:request to a
        // denied address) cannot turn out differently on another attempt.
        const refused = (error as Error | null)?.name === 'NotAllowedError';
        if (cancelled.aborted || left === 0 || refused) break;
        const retry = step.retry!;
        const base = parseDuration(retry.backoff)!;
        const n = attempts - previousAttempts - 1;
        const delay = Math.min(
          base * retry.factor ** n,
          retry.maxBackoff
            ? parseDuration(retry.maxBackoff)!
            : Number.POSITIVE_INFINITY,
        );
        stepLogger.warn(
          `attempt ${attempts} failed: ${lastError}; retrying in ${delay} ms (${left} left)`,
        );
        await this.updateStep(run.id, position, {
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
