import { Knex } from 'knex';
import { Dialect, dialectOf } from './dialect';

declare const storeTransactionBrand: unique symbol;

/**
 * A unit of work across the stores, opened by `transaction()`: a store method
 * whose first parameter is `tx` joins it. Opaque outside `store/`.
 */
export type StoreTransaction = {
  readonly [storeTransactionBrand]: 'StoreTransaction';
};

/** The knex transaction behind a unit of work (stores only). */
export function knexOf(tx: StoreTransaction): Knex.Transaction {
  return tx as unknown as Knex.Transaction;
}

/**
 * A knex transaction as a unit of work: for tests that hold a transaction
 * open by hand (a lock race), and for the stores.
 */
export function storeTransactionOf(tx: Knex.Transaction): StoreTransaction {
  return tx as unknown as StoreTransaction;
}

/** The connection the stores share, with its dialect decided once. */
export class StoreDatabase {
  readonly dialect: Dialect;

  constructor(readonly knex: Knex) {
    this.dialect = dialectOf(knex);
  }

  /** Runs `work` in one transaction: all of it is committed, or none. */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(tx => work(storeTransactionOf(tx)));
  }

  /**
   * Reads in one snapshot: rows queried separately (a run, its steps, its
   * approval) agree with each other. PostgreSQL: REPEATABLE READ; SQLite: a
   * read transaction already sees one snapshot of the WAL.
   */
  snapshot<T>(read: (db: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.dialect === 'sqlite'
      ? this.knex.transaction(read)
      : this.knex.transaction(read, { isolationLevel: 'repeatable read' });
  }

  /** A trivial query: is the database answering? */
  async ping(): Promise<void> {
    await this.knex.raw('select 1');
  }
}
