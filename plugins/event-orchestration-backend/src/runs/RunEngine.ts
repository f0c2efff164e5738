import { randomUUID, createHash } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { SensorSpec } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { ActionRegistry } from '../actions';
import { EntityResolver } from '../catalog';
import { OrchestrationStore, RunRecord } from '../store';
import { renderTemplate } from '../templating/renderTemplate';
import { StepLogger } from './StepLogger';
import { WakeableTimer } from '../bus/WakeableTimer';
import { redactSecrets } from './redactSecrets';

/** Tunables of the run engine. */
export interface RunEngineOptions {
  /** How long a run stays leased to this process without renewal. */
  leaseMs?: number;
  /** How often to look for runs left behind by other (crashed) processes. */
  pollIntervalMs?: number;
  /** Longest time one step may take. */
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

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    return error.message;
  }
  return String(error);
}

/**
 * Creates runs idempotently and executes their steps in order. Runs are leased
 * in the store, so when a process dies, another picks its runs up once the
 * lease expires; steps already succeeded are not repeated.
 */
export class RunEngine {
  private readonly options: Required<RunEngineOptions>;
  private readonly owner = `run-engine-${randomUUID()}`;
  private readonly active = new Map<string, Promise<void>>();
  private running = false;
  private readonly timer = new WakeableTimer();
  private loop?: Promise<void>;

  constructor(
    private readonly deps: {
      store: OrchestrationStore;
      actions: ActionRegistry;
      entities: EntityResolver;
      logger: LoggerService;
    },
    options: RunEngineOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
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
    },
    tx?: Knex.Transaction,
  ) {
    const idempotencyKey = createHash('sha256')
      .update(JSON.stringify([request.sensor.name, [...request.triggerEventIds].sort()]))
      .digest('hex');
    const result = await this.deps.store.createRun(
      {
        sensor: request.sensor.name,
        idempotencyKey,
        triggerEventIds: request.triggerEventIds,
        triggerDependencies: request.triggerDependencies ?? {},
        entityRefs: request.entityRefs,
        steps: request.sensor.workflow.steps,
      },
      tx,
    );
    if (result.created && !tx) this.notify();
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
            if (runs.length > 0) continue;
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

  private async execute(run: RunRecord) {
    const { store, actions, entities } = this.deps;
    const logger = this.deps.logger.child({ runId: run.id, sensor: run.sensor });
    const renewal = setInterval(
      () =>
        store
          .renewRunLease(run.id, this.owner, this.options.leaseMs)
          .catch(error => logger.warn(`Could not renew lease: ${error}`)),
      this.options.leaseMs / 3,
    );
    try {
      if (run.status === 'pending') {
        await store.updateRun(run.id, {
          status: 'running',
          startedAt: new Date().toISOString(),
        });
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
      const latest = triggerEvents[triggerEvents.length - 1] ?? null;
      const entity = run.entityRefs.length
        ? (await entities.getEntity(run.entityRefs[0])) ?? null
        : null;
      const stepOutputs: Record<string, { output: Record<string, unknown> }> = {};

      for (const [position, step] of run.workflow.entries()) {
        const state = run.steps[position];
        if (state?.status === 'succeeded' || state?.status === 'skipped') {
          stepOutputs[step.id] = { output: state.output ?? {} };
          continue;
        }
        const attempts = (state?.attempts ?? 0) + 1;
        const startedAt = new Date().toISOString();
        const stepLogger = new StepLogger(logger.child({ step: step.id }));
        const outputs: Record<string, unknown> = {};
        let renderedInput: unknown;
        try {
          await store.updateStep(run.id, position, {
            status: 'running',
            attempts,
            startedAt,
          });
          const action = actions.get(step.action);
          if (!action) {
            throw new Error(`no action '${step.action}' is registered`);
          }
          renderedInput = renderTemplate(step.input, {
            event: latest,
            events: byDependency,
            triggerEvents,
            entity,
            steps: stepOutputs,
            run: { id: run.id, sensor: run.sensor },
          });
          const parsed = action.schema.input.safeParse(renderedInput);
          if (!parsed.success) {
            throw new Error(
              `input does not fit action '${step.action}': ${parsed.error.issues
                .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
                .join('; ')}`,
            );
          }
          await store.updateStep(run.id, position, {
            input: redactSecrets(renderedInput),
          });
          await action.handler({
            input: parsed.data,
            logger: stepLogger,
            events: triggerEvents,
            entityRefs: run.entityRefs,
            runId: run.id,
            stepId: step.id,
            idempotencyKey: `${run.id}:${step.id}`,
            signal: AbortSignal.timeout(this.options.stepTimeoutMs),
            output: (name, value) => {
              outputs[name] = value;
            },
          });
          await store.updateStep(run.id, position, {
            status: 'succeeded',
            output: outputs,
            logs: stepLogger.lines,
            finishedAt: new Date().toISOString(),
          });
          stepOutputs[step.id] = { output: outputs };
        } catch (error) {
          const message = errorMessage(error);
          await store.updateStep(run.id, position, {
            status: 'failed',
            error: message,
            output: outputs,
            logs: stepLogger.lines,
            ...(renderedInput !== undefined
              ? { input: redactSecrets(renderedInput) }
              : {}),
            finishedAt: new Date().toISOString(),
          });
          for (let later = position + 1; later < run.workflow.length; later++) {
            await store.updateStep(run.id, later, { status: 'skipped' });
          }
          await store.updateRun(run.id, {
            status: 'failed',
            error: `step '${step.id}' failed: ${message}`,
            finishedAt: new Date().toISOString(),
            releaseLease: true,
          });
          logger.warn(`Run failed at step '${step.id}': ${message}`);
          return;
        }
      }
      await store.updateRun(run.id, {
        status: 'succeeded',
        error: null,
        finishedAt: new Date().toISOString(),
        releaseLease: true,
      });
    } finally {
      clearInterval(renewal);
    }
  }
}
