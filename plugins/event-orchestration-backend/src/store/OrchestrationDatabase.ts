import { Knex } from 'knex';
import { CorrelationStore } from './correlation/CorrelationStore';
import { StoreDatabase, StoreTransaction } from './database';
import { DeadLetterStore } from './deadLetters/DeadLetterStore';
import { Dialect } from './dialect';
import { EvaluationStore } from './evaluations/EvaluationStore';
import { EventStore } from './events/EventStore';
import { RunStore } from './runs/RunStore';
import { SourceStateStore } from './sourceState/SourceStateStore';
import { StoreViews } from './views';

/**
 * Everything the suite remembers, one store per area and one owner per table
 * (see `tables.ts`), and the units of work that span areas. Every query runs
 * on SQLite and PostgreSQL.
 */
export class OrchestrationDatabase {
  readonly events: EventStore;
  readonly evaluations: EvaluationStore;
  readonly runs: RunStore;
  readonly correlation: CorrelationStore;
  readonly deadLetters: DeadLetterStore;
  readonly sourceState: SourceStateStore;
  /** Reads that combine areas (an event with its verdicts and runs). */
  readonly views: StoreViews;
  private readonly db: StoreDatabase;

  static create(options: {
    knex: Knex;
    /** Configured secret values: scrubbed from stored events and verdict reasons. */
    secrets?: string[];
  }): OrchestrationDatabase {
    return new OrchestrationDatabase(options.knex, options.secrets);
  }

  protected constructor(knex: Knex, secrets: string[] = []) {
    this.db = new StoreDatabase(knex);
    this.events = new EventStore(this.db, secrets);
    this.evaluations = new EvaluationStore(this.db, secrets);
    this.runs = new RunStore(this.db);
    this.correlation = new CorrelationStore(this.db);
    this.deadLetters = new DeadLetterStore(this.db);
    this.sourceState = new SourceStateStore(this.db);
    this.views = new StoreViews(this);
  }

  get dialect(): Dialect {
    return this.db.dialect;
  }

  /** Runs `work` as one unit of work across stores: all of it is committed, or none. */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** A trivial query: is the database answering? (`/health`) */
  ping(): Promise<void> {
    return this.db.ping();
  }
}
