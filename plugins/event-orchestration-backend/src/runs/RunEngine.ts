import { SensorSpec } from '@edo/plugin-event-orchestration-common';
import { NewActionRun, StoreTransaction } from '../store';
import { RunEngineDeps, RunExecutor } from './RunExecutor';
import { RunWorker } from './RunWorker';
import { RunMetrics } from './runMetrics';

export type { RunEngineDeps, RunEngineHooks } from './RunExecutor';

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

/**
 * Creates runs idempotently and executes their steps in order, with `if:`
 * conditions, retries with back-off, timeouts and `onFailure` steps. Runs are
 * leased in the store, so when a process dies, another picks its runs up once
 * the lease expires; steps already succeeded are not repeated, and a step that
 * was in flight runs again with the same idempotency key. A run cancelled
 * through the API is noticed at the next lease renewal, step or attempt, and
 * the action in flight is aborted.
 *
 * The work is done by a {@link RunWorker} (claims and leases runs), a
 * {@link RunExecutor} (one run) and its StepExecutor (one step, attempt by
 * attempt); this class creates runs and composes them.
 */
export class RunEngine {
  private readonly worker: RunWorker;

  constructor(
    private readonly deps: RunEngineDeps,
    options: RunEngineOptions = {},
  ) {
    const settings = { ...DEFAULTS, ...options };
    const executor = new RunExecutor(
      { ...deps, metrics: deps.metrics ?? new RunMetrics() },
      settings,
    );
    this.worker = new RunWorker(
      {
        store: deps.store,
        logger: deps.logger,
        execute: (run, lease, logger) => executor.execute(run, lease, logger),
      },
      settings,
    );
  }

  /**
   * Creates a run for a sensor's match, once per sensor and triggering events.
   * Inside a caller's unit of work (`tx`), call `notify()` after it committed.
   */
  async startRun(
    request: {
      sensor: SensorSpec;
      triggerEventIds: string[];
      triggerDependencies?: Record<string, string>;
      entityRefs: string[];
      group?: string;
    },
    tx?: StoreTransaction,
  ) {
    const { store } = this.deps;
    const newRun = {
      sensor: request.sensor.name,
      triggerEventIds: request.triggerEventIds,
      triggerDependencies: request.triggerDependencies,
      entityRefs: request.entityRefs,
      group: request.group,
      steps: request.sensor.workflow.steps,
      onFailure: request.sensor.workflow.onFailure,
    };
    const result = tx
      ? await store.runs.createSensorRun(tx, newRun)
      : await store.transaction(t => store.runs.createSensorRun(t, newRun));
    if (result.created && !tx) this.notify();
    return result;
  }

  /**
   * Runs one action as a one-step run, started by hand (`POST /actions/:id/runs`);
   * an action configured to require approval by hand waits for it first.
   */
  async startActionRun(request: Omit<NewActionRun, 'approval'>) {
    const approval =
      request.actionId === 'approval:wait'
        ? undefined
        : this.deps.manualApprovals?.get(request.actionId);
    const result = await this.deps.store.runs.createActionRun({
      ...request,
      ...(approval ? { approval } : {}),
    });
    if (result.created) this.notify();
    return result;
  }

  /** Looks for new runs now rather than at the next poll. */
  notify() {
    this.worker.wake();
  }

  start() {
    if (!this.running) this.worker.start();
  }

  async stop() {
    await this.worker.stop();
  }

  // A test lets an engine "die" mid-run by clearing `running`: it claims no
  // further runs and leaves those in flight alone, as a killed process would.
  private get running(): boolean {
    return this.worker.claiming;
  }

  private set running(value: boolean) {
    if (value) this.worker.start();
    else this.worker.stopClaiming();
  }
}
