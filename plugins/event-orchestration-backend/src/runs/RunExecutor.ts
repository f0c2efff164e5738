import { LoggerService } from '@backstage/backend-plugin-api';
import { RunStatus } from '@edo/plugin-event-orchestration-common';
import { EntityResolver } from '../catalog';
import {
  ManualActionApproval,
  OrchestrationDatabase,
  RunRecord,
} from '../store';
import { TemplateSecrets } from '../shared/templating/secrets';
import { RunLease } from './RunLease';
import {
  ActionLookup,
  StepChange,
  StepExecutor,
  StepOutcome,
} from './StepExecutor';
import { redactSecrets, scrubText } from '../shared/redaction/redactSecrets';
import { RunMetrics } from './runMetrics';

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

/** What the run engine works with. */
export interface RunEngineDeps {
  /** Runs and what they read (trigger events); units of work to create runs in. */
  store: Pick<OrchestrationDatabase, 'runs' | 'views' | 'transaction'>;
  actions: ActionLookup;
  entities: EntityResolver;
  logger: LoggerService;
  hooks?: RunEngineHooks;
  /** OpenTelemetry instruments; default on the global MeterProvider. */
  metrics?: RunMetrics;
  /** Configured secret values, scrubbed from everything a step stores (see knownSecretValues). */
  secrets?: string[];
  /** What `${{ secrets.<name> }}` resolves to in step inputs. */
  templateSecrets?: TemplateSecrets;
  /**
   * Actions whose runs by hand wait for an approval first
   * (`eventOrchestration.actions.manual.requireApproval`), by action id.
   */
  manualApprovals?: ReadonlyMap<string, ManualActionApproval>;
}

/**
 * Executes one leased run: marks it running, builds what templates see (the
 * trigger events, the entity, earlier steps' outputs), executes its steps in
 * order (those already succeeded, by this process or one that died, are not
 * repeated), skips the later main steps after a failure and runs the
 * `onFailure` steps instead, and finishes the run unless it was cancelled or
 * taken over meanwhile. A step waiting for a decision parks the run: it
 * ends here in status `waiting` and is executed again once woken. Status changes and the finish go to the hooks.
 */
export class RunExecutor {
  private readonly steps: StepExecutor;
  private readonly secrets: string[];

  constructor(
    private readonly deps: RunEngineDeps & { metrics: RunMetrics },
    options: { stepTimeoutMs: number },
  ) {
    this.secrets = deps.secrets ?? [];
    this.steps = new StepExecutor({
      actions: deps.actions,
      metrics: deps.metrics,
      secrets: this.secrets,
      templateSecrets: deps.templateSecrets,
      updateStep: (runId, position, patch) =>
        this.updateStep(runId, position, patch),
      stepTimeoutMs: options.stepTimeoutMs,
    });
  }

  async execute(run: RunRecord, lease: RunLease, logger: LoggerService) {
    const { store, entities } = this.deps;
    if (run.status === 'pending') {
      await store.runs.updateRun({
        id: run.id,
        status: 'running',
        startedAt: new Date().toISOString(),
      });
      this.changed(run, 'running');
    } else if (run.steps.some(s => s.status === 'waiting')) {
      // Woken from `waiting` by a decision or its deadline.
      this.changed(run, 'running');
    }
    const triggerEvents = (
      await Promise.all(run.triggerEventIds.map(id => store.views.getEvent(id)))
    ).flatMap(e => (e ? [e.event] : []));
    const byDependency = Object.fromEntries(
      Object.entries(run.triggerDependencies).flatMap(([dependency, id]) => {
        const found = triggerEvents.find(e => e.id === id);
        return found ? [[dependency, found]] : [];
      }),
    );
    // With several entities (several claim the subject) none is `entity`:
    // a step that reads it fails naming them (checkStepEntity).
    const entity =
      run.entityRefs.length === 1
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
      await lease.checkCancelled();
      if (lease.signal.aborted) break;
      const outcome = await this.executeStep(
        run,
        lease,
        logger,
        position,
        context,
      );
      if (outcome === 'parked') return;
      if (outcome === 'lost') break;
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

    await lease.checkCancelled();
    if (lease.signal.aborted) {
      logger.info('Run cancelled');
      this.deps.metrics.runFinished(run.sensor, 'cancelled');
      this.changed(run, 'cancelled');
      await this.finished(run.id);
      return;
    }
    const status: RunStatus = failure ? 'failed' : 'succeeded';
    const runError = failure ? scrubText(failure, this.secrets) : null;
    const finished = await store.runs.finishRun({
      id: run.id,
      owner: lease.owner,
      status,
      error: runError,
    });
    if (!finished) {
      logger.warn(
        'Run was taken over or cancelled meanwhile; its outcome here is dropped',
      );
      return;
    }
    if (runError) logger.warn(`Run failed: ${runError}`);
    this.deps.metrics.runFinished(run.sensor, status);
    this.changed(run, status);
    await this.finished(run.id);
  }

  /**
   * Executes one step; a step that waits for a decision parks the run
   * (`waiting`, lease released: it holds no slot) and the run is left here,
   * unless the decision came meanwhile (then the step is executed again) or
   * the run is no longer ours (cancelled or taken over).
   */
  private async executeStep(
    run: RunRecord,
    lease: RunLease,
    logger: LoggerService,
    position: number,
    context: () => Record<string, unknown>,
  ): Promise<StepOutcome | 'parked' | 'lost'> {
    const step = run.workflow[position];
    for (;;) {
      const outcome = await this.steps.execute({
        run,
        position,
        step,
        previousAttempts: run.steps[position]?.attempts ?? 0,
        context,
        cancelled: lease.signal,
        logger,
      });
      if (outcome.status !== 'waiting') return outcome;
      const parked = await this.deps.store.runs.parkRun({
        id: run.id,
        owner: lease.owner,
        stepId: step.id,
      });
      if (parked === 'lost') return 'lost';
      if (parked === 'parked') {
        logger.info(
          `Run waits for a decision at step '${step.id}'; its slot is free`,
        );
        this.changed(run, 'waiting');
        return 'parked';
      }
    }
  }

  /**
   * Stores a step change with credentials redacted from its input, output,
   * logs and error: configured values (a server may echo a token), secret keys
   * and credential-shaped text.
   */
  private updateStep(runId: string, position: number, patch: StepChange) {
    return this.deps.store.runs.updateStep({
      runId,
      position,
      patch: redactSecrets(patch, this.secrets),
    });
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

  private async finished(runId: string) {
    const hook = this.deps.hooks?.onFinished;
    if (!hook) return;
    // Finished: nothing about it changes any more, so no snapshot is needed.
    const run = await this.deps.store.runs.getRun({
      id: runId,
      snapshot: false,
    });
    if (run) {
      await hook(run).catch(error =>
        this.deps.logger.warn(
          `Run finished hook failed for ${runId}: ${error}`,
        ),
      );
    }
  }
}
