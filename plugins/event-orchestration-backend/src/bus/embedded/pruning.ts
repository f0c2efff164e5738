import { Knex } from 'knex';

/** Messages deleted per statement, so no statement holds the table long. */
const PRUNE_CHUNK = 2_000;

/**
 * Deletes messages published before `cutoff` (ISO time) that no subscriber
 * still has to handle (no pending or dead delivery), as a JetStream stream's
 * `max_age` does; the stored events (edo_events) are not touched. Returns how many.
 */
export async function pruneMessages(
  knex: Knex,
  cutoff: string,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const seqs = (
      await knex('edo_bus_messages as m')
        .where('m.published_at', '<', cutoff)
        .whereNotExists(
          knex('edo_bus_deliveries as d')
            .whereRaw('d.seq = m.seq')
            .select(knex.raw('1')),
        )
        .orderBy('m.seq', 'asc')
        .limit(PRUNE_CHUNK)
        .select('m.seq')
    ).map(row => row.seq);
    if (seqs.length === 0) return deleted;
    // Deliveries are only written by the message's own publish, so one with
    // none now never gets one.
    deleted += await knex('edo_bus_messages').whereIn('seq', seqs).delete();
    if (seqs.length < PRUNE_CHUNK) return deleted;
    // Let requests in between chunks (SQLite answers on the event loop).
    await new Promise(resolve => setImmediate(resolve));
  }
}
