import { LoggerService } from '@backstage/backend-plugin-api';
import type { OrchestrationDatabase } from '../store';
import { deleteEvents } from './deleteEvents';
import { RetentionSettings } from './retentionSettings';

/** Rows deleted by one pass, by kind (groups count with correlation). */
export interface RetentionCounts {
  runs: number;
  correlation: number;
  events: number;
  evaluations: number;
  redrives: number;
}

/** Rows per chunk: each chunk is one short transaction. */
const DEFAULT_CHUNK_SIZE = 2_000;

/** Lets requests in between chunks (SQLite answers on the event loop). */
const yieldToEventLoop = () =>
  new Promise<void>(resolve => setImmediate(resolve));

/**
 * Deletes what is older than `eventOrchestration.retention` says, in chunks.
 * Run by a scheduled task with global scope (plugin.ts), so one replica at a
 * time; two passes at once would still delete each row once (every delete
 * re-checks its conditions and counts only what it removed).
 */
export class RetentionPruner {
  private readonly chunkSize: number;

  constructor(
    private readonly options: {
      store: OrchestrationDatabase;
      settings: RetentionSettings;
      logger: LoggerService;
      /** See longestCorrelationPeriodMs; read on every pass (sensors reload). */
      longestSensorPeriodMs: () => number;
      chunkSize?: number;
    },
  ) {
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  }

  /** One pass; stops between chunks once `signal` is aborted (the task's timeout). */
  async prune(
    now = Date.now(),
    signal?: AbortSignal,
  ): Promise<RetentionCounts> {
    const { settings, store } = this.options;
    const size = this.chunkSize;
    const before = (ms: number) => new Date(now - ms);
    const counts: RetentionCounts = {
      runs: 0,
      correlation: 0,
      events: 0,
      evaluations: 0,
      redrives: 0,
    };
    const inChunks = async (
      kind: keyof RetentionCounts,
      deleteChunk: () => Promise<number>,
    ) => {
      while (!signal?.aborted) {
        const deleted = await deleteChunk();
        counts[kind] += deleted;
        if (deleted < size) return;
        await yieldToEventLoop();
      }
    };

    // Runs first: the events of the runs that go are no longer held.
    await inChunks('runs', () =>
      store.runs.deleteFinishedRuns({
        before: before(settings.runsMs),
        limit: size,
      }),
    );
    const correlationBefore =
      now -
      Math.max(settings.correlationMs, this.options.longestSensorPeriodMs());
    await inChunks('correlation', () =>
      store.correlation.deleteStateBefore({
        before: correlationBefore,
        limit: size,
      }),
    );
    await inChunks('correlation', () =>
      store.correlation.deleteIdleGroups({ limit: size }),
    );
    let afterSeq = 0;
    while (!signal?.aborted) {
      const { deleted, lastSeq } = await deleteEvents(store, {
        before: before(settings.eventsMs),
        afterSeq,
        limit: size,
      });
      counts.events += deleted;
      if (lastSeq === undefined) break;
      afterSeq = lastSeq;
      await yieldToEventLoop();
    }
    await inChunks('evaluations', () =>
      store.evaluations.deleteVerdictsBefore({
        before: before(settings.evaluationsMs),
        limit: size,
      }),
    );
    await inChunks('redrives', () =>
      store.deadLetters.deleteRedrivesBefore({
        before: before(settings.redrivesMs),
        limit: size,
      }),
    );

    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (total > 0) {
      this.options.logger.info(
        `Retention: deleted ${counts.runs} runs, ${counts.events} events, ${counts.evaluations} further verdicts, ${counts.correlation} correlation rows and ${counts.redrives} re-drive records past eventOrchestration.retention`,
      );
    }
    return counts;
  }
}
