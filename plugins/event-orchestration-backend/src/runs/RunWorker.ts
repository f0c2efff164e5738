import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { WakeableTimer } from '../shared/timers/WakeableTimer';
import { OrchestrationDatabase, RunRecord } from '../store';
import { RunLease } from './RunLease';

/** How the worker leases and paces runs. */
export interface RunWorkerOptions {
  /** How long a run stays leased to this process without renewal. */
  leaseMs: number;
  /** How often to look for runs left behind by other (crashed) processes. */
  pollIntervalMs: number;
  /** Runs executed at once by this process. */
  concurrency: number;
}

/** Executes one leased run to its end; the worker releases the lease afterwards. */
export type ExecuteRun = (
  run: RunRecord,
  lease: RunLease,
  logger: LoggerService,
) => Promise<void>;

/**
 * Claims runs for this process: leases as many runnable runs as it has free
 * slots (new ones, those whose lease ran out with a process that died, and
 * those woken from `waiting` by a decision or their approval's deadline),
 * hands each to the executor, and looks again when a slot frees, when woken
 * or at the next poll.
 */
export class RunWorker {
  private readonly owner = `run-engine-${randomUUID()}`;
  private readonly active = new Map<string, Promise<void>>();
  private readonly timer = new WakeableTimer();
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly deps: {
      store: Pick<OrchestrationDatabase, 'runs'>;
      logger: LoggerService;
      execute: ExecuteRun;
    },
    private readonly options: RunWorkerOptions,
  ) {}

  /** Whether the loop goes on claiming runs. */
  get claiming(): boolean {
    return this.running;
  }

  /** Looks for runs now rather than at the next poll. */
  wake() {
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
            // Runs parked at an approval that ran out become runnable, so
            // their step decides the timeout (a cheap indexed update).
            await this.deps.store.runs.wakeOverdueRuns({ now: Date.now() });
            const runs = await this.deps.store.runs.leaseRunnableRuns({
              owner: this.owner,
              leaseMs: this.options.leaseMs,
              limit: free,
            });
            for (const run of runs) {
              // Our own run whose lease ran out while we still execute it (renewals
              // starved on a loaded machine): leasing it again just renewed the
              // lease; a second execution would run its steps twice.
              if (this.active.has(run.id)) continue;
              const done = this.executeLeased(run)
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

  /**
   * Claims no further runs from the next turn of the loop on, and leaves the
   * runs in flight as they are (their leases are still renewed).
   */
  stopClaiming() {
    this.running = false;
  }

  /** Claims no further runs and waits for the runs in flight to end. */
  async stop() {
    this.stopClaiming();
    this.timer.wake();
    await this.loop;
    await Promise.all(this.active.values());
  }

  private async executeLeased(run: RunRecord) {
    const logger = this.deps.logger.child({
      runId: run.id,
      sensor: run.sensor,
    });
    const lease = new RunLease({
      store: this.deps.store,
      runId: run.id,
      owner: this.owner,
      leaseMs: this.options.leaseMs,
      logger,
    });
    try {
      await this.deps.execute(run, lease, logger);
    } finally {
      lease.release();
    }
  }
}
