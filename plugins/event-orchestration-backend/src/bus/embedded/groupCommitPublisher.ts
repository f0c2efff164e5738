import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { PublishResult } from '@edo/plugin-event-orchestration-node';
import { Knex } from 'knex';
import { eventTypeMatches } from '../../shared/eventTypes';

interface WaitingPublish {
  event: OrchestrationEvent;
  resolve: (result: PublishResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes published events to `edo_bus_messages` with a delivery row for every
 * consumer whose event types match. Publishes waiting for the transaction in
 * progress, or for the end of the current event-loop turn, are written together
 * in the next transaction ("group commit"): a commit costs far more than an
 * insert, so under load many publishes share one.
 */
export class GroupCommitPublisher {
  private waiting: WaitingPublish[] = [];
  private writing = false;

  constructor(
    private readonly knex: Knex,
    /** Called after a batch wrote at least one new message, to wake subscribers. */
    private readonly onWritten: () => void,
  ) {}

  publish(event: OrchestrationEvent): Promise<PublishResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // Not at once: the other requests read in this turn of the event loop
        // publish too, and join this transaction. On SQLite nothing waits on
        // I/O, so each publish had been a transaction of its own.
        setImmediate(() => void this.writeWaiting());
      }
    });
  }

  private async writeWaiting() {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, 200);
        try {
          await this.writeBatch(batch);
        } catch (error) {
          if (batch.length === 1) {
            batch[0].reject(error);
            continue;
          }
          // Nothing of the batch was written: one bad event must not fail the
          // others, so each is tried alone and only its own publisher sees why.
          for (const one of batch) {
            await this.writeBatch([one]).catch(one.reject);
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * Writes a batch in one transaction with two multi-row inserts (events, then
   * deliveries), so a batch costs a handful of round trips, not two per event.
   */
  private async writeBatch(batch: WaitingPublish[]) {
    const duplicates = await this.knex.transaction(async tx => {
      const publishedAt = new Date().toISOString();
      const inserted: Array<{ seq: number | string; event_id: string }> =
        await tx('edo_bus_messages')
          .insert(
            batch.map(({ event }) => ({
              event_id: event.id,
              event_type: event.type,
              payload: JSON.stringify(event),
              published_at: publishedAt,
            })),
          )
          .onConflict('event_id')
          .ignore()
          .returning(['seq', 'event_id']);
      const seqOf = new Map(
        inserted.map(row => [row.event_id, Number(row.seq)]),
      );
      const consumers = await tx('edo_bus_consumers').select(
        'name',
        'event_types',
      );
      const now = Date.now();
      const deliveries: object[] = [];
      const result = batch.map(({ event }) => {
        const seq = seqOf.get(event.id);
        // Not inserted, or inserted for an earlier entry of this batch: a duplicate.
        if (seq === undefined) return true;
        seqOf.delete(event.id);
        for (const c of consumers) {
          if (
            eventTypeMatches(
              event.type,
              c.event_types ? JSON.parse(c.event_types) : undefined,
            )
          ) {
            deliveries.push({
              consumer: c.name,
              seq,
              attempts: 0,
              status: 'pending',
              available_at: now,
            });
          }
        }
        return false;
      });
      if (deliveries.length > 0)
        await tx('edo_bus_deliveries').insert(deliveries);
      return result;
    });
    if (duplicates.some(d => !d)) this.onWritten();
    batch.forEach((p, i) => p.resolve({ duplicate: duplicates[i] }));
  }
}
