import { LoggerService } from '@backstage/backend-plugin-api';
import { OrchestrationDatabase } from '../store';

/** The reason a run's signal fires when the run was cancelled through the API. */
export class RunCancelledError extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'RunCancelledError';
  }
}

/**
 * This process's hold on one run while it executes it. The lease is renewed
 * three times per lease length, so one late renewal does not lose it; with
 * each renewal, and whenever the executor asks, a cancellation through the
 * API is noticed and fires `signal`, which aborts the action in flight.
 */
export class RunLease {
  private readonly cancel = new AbortController();
  private readonly renewal: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: {
      store: Pick<OrchestrationDatabase, 'runs'>;
      runId: string;
      /** Who holds the lease in the store: this process's worker. */
      owner: string;
      leaseMs: number;
      logger: LoggerService;
    },
  ) {
    const { store, runId, owner, leaseMs, logger } = deps;
    this.renewal = setInterval(() => {
      store.runs
        .renewLease({ id: runId, owner, leaseMs })
        .then(() => this.checkCancelled())
        .catch(error => logger.warn(`Could not renew lease: ${error}`));
    }, leaseMs / 3);
  }

  get owner(): string {
    return this.deps.owner;
  }

  /** Fires once the run is found cancelled. */
  get signal(): AbortSignal {
    return this.cancel.signal;
  }

  /** Looks up whether the run was cancelled meanwhile; if so, fires `signal`. */
  async checkCancelled(): Promise<void> {
    if (
      !this.cancel.signal.aborted &&
      (await this.deps.store.runs.getRunStatus({ id: this.deps.runId })) ===
        'cancelled'
    ) {
      this.cancel.abort(new RunCancelledError());
    }
  }

  /** Stops renewing: the run is over here (finished, or taken over). */
  release(): void {
    clearInterval(this.renewal);
  }
}
