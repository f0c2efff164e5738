import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  EventBus,
  EventBusHealth,
  EventHandler,
  PublishResult,
  SubscribeOptions,
  Subscription,
} from '@edo/plugin-event-orchestration-node';
import {
  DeadLetter,
  OrchestrationEvent,
} from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { WakeableTimer } from '../shared/timers/WakeableTimer';
import { OrderedTaskPool, orderingKey } from './OrderedTaskPool';
import { eventTypeMatches } from '../shared/eventTypes';

/** Tunables of the embedded bus; the defaults suit a development machine. */
export interface EmbeddedEventBusOptions {
  /** How often idle subscribers look for work written by other processes. */
  pollIntervalMs?: number;
  /** How long a delivery stays leased to one process before another may take it. */
  ackWaitMs?: number;
  /** Deliveries per event before it is dead-lettered. */
  maxDeliver?: number;
  /** Delay before redelivery after the n-th failure (the last value repeats). */
  backoffMs?: number[];
  /** Deliveries claimed at once by one subscriber in one process. */
  batchSize?: number;
  /**
   * How long a message stays after every subscriber is done with it (see
   * `prune`); re-published ids are recognised as duplicates for that long.
   */
  maxAgeMs?: number;
}

const DEFAULTS: Required<EmbeddedEventBusOptions> = {
  pollIntervalMs: 500,
  ackWaitMs: 60_000,
  maxDeliver: 5,
  backoffMs: [1_000, 5_000, 30_000, 120_000],
  batchSize: 10,
  maxAgeMs: 7 * 24 * 3600_000,
};

/** Messages deleted per statement by `prune`, so no statement holds the table long. */
const PRUNE_CHUNK = 2_000;

/** A stored payload, parsed; a payload that is not JSON keeps its error for the handler's turn. */
type ParsedPayload = { event: OrchestrationEvent } | { error: unknown };

function parsePayload(payload: string): ParsedPayload {
  try {
    return { event: JSON.parse(payload) };
  } catch (error) {
    return { error };
  }
}

/**
 * The default bus: the `EventBus` contract on the Backstage database, so that a
 * newcomer runs everything without a broker. Each published event is one row;
 * each subscriber has one delivery row per event until it acknowledges it.
 * Deliveries are claimed with a lease (an UPDATE guarded by the lease column),
 * so several backend replicas sharing a subscriber name split the work.
 */
export class EmbeddedEventBus implements EventBus {
  private readonly options: Required<EmbeddedEventBusOptions>;
  private readonly instanceId = randomUUID();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly knex: Knex,
    private readonly logger: LoggerService,
    options: EmbeddedEventBusOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * Publishes waiting for the transaction in progress, or for the end of the
   * current event-loop turn; they are written together in the next transaction
   * ("group commit"). A commit costs far more than an insert, so under load
   * many publishes share one.
   */
  private waiting: Array<{
    event: OrchestrationEvent;
    resolve: (result: PublishResult) => void;
    reject: (error: unknown) => void;
  }> = [];
  private writing = false;

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
  private async writeBatch(batch: EmbeddedEventBus['waiting']) {
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
    if (duplicates.some(d => !d)) this.wakers.forEach(wake => wake());
    batch.forEach((p, i) => p.resolve({ duplicate: duplicates[i] }));
  }

  async declareSubscriber(
    name: string,
    options: Pick<SubscribeOptions, 'eventTypes'> = {},
  ): Promise<void> {
    // Publishes write a delivery row for every consumer row they find.
    await this.knex('edo_bus_consumers')
      .insert({
        name,
        event_types: options.eventTypes
          ? JSON.stringify(options.eventTypes)
          : null,
        created_at: new Date().toISOString(),
      })
      .onConflict('name')
      .merge(['event_types']);
  }

  async subscribe(
    name: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    await this.declareSubscriber(name, options);

    let running = true;
    const pool = new OrderedTaskPool(options.concurrency ?? 1);
    const queued = new Set<number>(); // handed to the pool, not settled yet
    const timer = new WakeableTimer();
    const waker = () => timer.wake();
    this.wakers.add(waker);

    const loop = (async () => {
      while (running) {
        let handled = 0;
        try {
          handled = await this.deliverBatch(name, handler, pool, queued);
          // On SQLite every query completes without waiting on I/O, so without
          // this a backlog is worked through in one event-loop turn and HTTP
          // requests and timers wait for all of it (seconds under load).
          await new Promise(resolve => setImmediate(resolve));
        } catch (error) {
          this.logger.error(
            `Event bus subscriber '${name}' could not fetch deliveries: ${error}`,
          );
        }
        if (handled === 0 && running) {
          await timer.sleep(this.options.pollIntervalMs);
        }
      }
    })();

    return {
      close: async () => {
        running = false;
        this.wakers.delete(waker);
        timer.wake();
        await loop;
        await pool.drain();
      },
    };
  }

  /**
   * Fetches the next due deliveries and hands each to the pool, in order; the
   * pool runs them at the subscription's concurrency, and each is claimed (its
   * lease taken) only when its turn comes. Returns how many it handed over.
   */
  private async deliverBatch(
    name: string,
    handler: EventHandler,
    pool: OrderedTaskPool,
    queued: Set<number>,
  ) {
    const now = Date.now();
    const candidates = (
      await this.knex('edo_bus_deliveries')
        .where({ consumer: name, status: 'pending' })
        .andWhere('available_at', '<=', now)
        .andWhere(q =>
          q.whereNull('locked_until').orWhere('locked_until', '<', now),
        )
        .orderBy('seq', 'asc')
        // Deliveries queued in this process but not claimed yet are due too: look past them.
        .limit(this.options.batchSize + queued.size)
        .select('seq', 'attempts')
    ).filter(c => !queued.has(Number(c.seq)));
    if (candidates.length === 0) return 0;
    const seqs = candidates.map(c => Number(c.seq));
    const payloads = new Map<number, string>(
      (
        await this.knex('edo_bus_messages')
          .whereIn('seq', seqs)
          .select('seq', 'payload')
      ).map(m => [Number(m.seq), m.payload]),
    );
    for (const candidate of candidates) {
      const seq = Number(candidate.seq);
      const payload = payloads.get(seq);
      if (payload === undefined) continue;
      // Parsed once: the ordering key (see OrderedTaskPool) and the handler use it.
      const parsed = parsePayload(payload);
      // Not JSON: its own key; handleDelivery's throw dead-letters it.
      const key = 'event' in parsed ? orderingKey(parsed.event) : `seq:${seq}`;
      queued.add(seq);
      await pool.submit(key, () =>
        this.claimAndHandle(
          name,
          seq,
          Number(candidate.attempts) + 1,
          parsed,
          handler,
        )
          .catch(error =>
            this.logger.error(
              `Event bus subscriber '${name}' could not settle message ${seq}: ${error}`,
            ),
          )
          .finally(() => queued.delete(seq)),
      );
    }
    return candidates.length;
  }

  /** Takes the delivery's lease (unless another process has it), then handles it. */
  private async claimAndHandle(
    name: string,
    seq: number,
    attempt: number,
    parsed: ParsedPayload,
    handler: EventHandler,
  ) {
    const claimedAt = Date.now();
    const claimed = await this.knex('edo_bus_deliveries')
      .where({ consumer: name, seq, status: 'pending' })
      .andWhere('available_at', '<=', claimedAt)
      .andWhere(q =>
        q.whereNull('locked_until').orWhere('locked_until', '<', claimedAt),
      )
      .update({
        locked_until: claimedAt + this.options.ackWaitMs,
        locked_by: this.instanceId,
        attempts: this.knex.raw('attempts + 1'),
      });
    if (claimed !== 1) return; // another process took it, or it is done
    await this.handleDelivery(name, seq, attempt, parsed, handler);
  }

  /** Runs the handler on one claimed delivery, then acknowledges or schedules a redelivery. */
  private async handleDelivery(
    name: string,
    seq: number,
    attempt: number,
    parsed: ParsedPayload,
    handler: EventHandler,
  ) {
    try {
      if ('error' in parsed) throw parsed.error;
      await handler(parsed.event, { attempt });
      await this.knex('edo_bus_deliveries')
        .where({ consumer: name, seq, locked_by: this.instanceId })
        .delete();
    } catch (error) {
      const dead = attempt >= this.options.maxDeliver;
      const backoff =
        this.options.backoffMs[
          Math.min(attempt - 1, this.options.backoffMs.length - 1)
        ];
      this.logger.warn(
        `Event bus subscriber '${name}' failed on delivery ${attempt} of message ${seq}${
          dead ? ', dead-lettered' : `, redelivery in ${backoff} ms`
        }: ${error}`,
      );
      await this.knex('edo_bus_deliveries')
        .where({ consumer: name, seq, locked_by: this.instanceId })
        .update({
          status: dead ? 'dead' : 'pending',
          available_at: Date.now() + (dead ? 0 : backoff),
          locked_until: null,
          locked_by: null,
          last_error: String(error).slice(0, 2000),
        });
    }
  }

  /**
   * A dead delivery row keeps its attempts and last error; its `available_at`
   * is set to the time it died (dead rows are never claimed, so it is free).
   */
  private deadLetterQuery() {
    return this.knex('edo_bus_deliveries as d')
      .join('edo_bus_messages as m', 'm.seq', 'd.seq')
      .where('d.status', 'dead')
      .select(
        'd.consumer',
        'd.seq',
        'd.attempts',
        'd.last_error',
        'd.available_at',
        'm.event_id',
        'm.event_type',
        'm.payload',
      );
  }

  private toDeadLetter(row: any): DeadLetter {
    let subject: string | undefined;
    try {
      subject = (JSON.parse(row.payload) as OrchestrationEvent).subject;
    } catch {
      subject = undefined;
    }
    return {
      subscriber: row.consumer,
      eventId: row.event_id,
      eventType: row.event_type,
      ...(subject ? { subject } : {}),
      attempts: Number(row.attempts),
      ...(row.last_error ? { lastError: row.last_error } : {}),
      deadLetteredAt: new Date(Number(row.available_at)).toISOString(),
    };
  }

  async listDeadLetters(
    options: { subscriber?: string; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const query = this.deadLetterQuery()
      .orderBy('d.available_at', 'asc')
      .orderBy('d.seq', 'asc')
      .limit(options.limit ?? 500);
    if (options.subscriber !== undefined)
      query.andWhere('d.consumer', options.subscriber);
    return (await query).map(row => this.toDeadLetter(row));
  }

  async redriveDeadLetter(
    subscriber: string,
    eventId: string,
  ): Promise<DeadLetter | undefined> {
    const row = await this.deadLetterQuery()
      .andWhere('d.consumer', subscriber)
      .andWhere('m.event_id', eventId)
      .first();
    if (!row) return undefined;
    // Guarded by the status: of two concurrent re-drives only one changes the row.
    const updated = await this.knex('edo_bus_deliveries')
      .where({ consumer: subscriber, seq: row.seq, status: 'dead' })
      .update({
        status: 'pending',
        attempts: 0,
        available_at: Date.now(),
        locked_until: null,
        locked_by: null,
        last_error: null,
      });
    if (updated !== 1) return undefined;
    this.wakers.forEach(wake => wake());
    return this.toDeadLetter(row);
  }

  /**
   * Deletes messages older than `maxAgeMs` that no subscriber still has to
   * handle (no pending or dead delivery), as a JetStream stream's `max_age`
   * does; the stored events (edo_events) are not touched. Returns how many.
   * Run by a scheduled task on one replica (see plugin.ts).
   */
  async prune(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - this.options.maxAgeMs).toISOString();
    let deleted = 0;
    for (;;) {
      const seqs = (
        await this.knex('edo_bus_messages as m')
          .where('m.published_at', '<', cutoff)
          .whereNotExists(
            this.knex('edo_bus_deliveries as d')
              .whereRaw('d.seq = m.seq')
              .select(this.knex.raw('1')),
          )
          .orderBy('m.seq', 'asc')
          .limit(PRUNE_CHUNK)
          .select('m.seq')
      ).map(row => row.seq);
      if (seqs.length === 0) return deleted;
      // Deliveries are only written by the message's own publish, so one with
      // none now never gets one.
      deleted += await this.knex('edo_bus_messages')
        .whereIn('seq', seqs)
        .delete();
      if (seqs.length < PRUNE_CHUNK) return deleted;
      // Let requests in between chunks (SQLite answers on the event loop).
      await new Promise(resolve => setImmediate(resolve));
    }
  }

  async health(): Promise<EventBusHealth> {
    const now = Date.now();
    const consumers = await this.knex('edo_bus_consumers')
      .select('name')
      .orderBy('name');
    const stats = await Promise.all(
      consumers.map(async ({ name }) => {
        const rows = await this.knex('edo_bus_deliveries')
          .where({ consumer: name })
          .select(
            this.knex.raw(
              `sum(case when status = 'pending' and (locked_until is null or locked_until < ?) then 1 else 0 end) as pending`,
              [now],
            ),
            this.knex.raw(
              `sum(case when status = 'pending' and locked_until >= ? then 1 else 0 end) as ack_pending`,
              [now],
            ),
            this.knex.raw(
              `sum(case when status = 'dead' then 1 else 0 end) as dead`,
            ),
          );
        const row = rows[0] ?? {};
        return {
          name,
          pending: Number(row.pending ?? 0),
          ackPending: Number(row.ack_pending ?? 0),
          deadLettered: Number(row.dead ?? 0),
        };
      }),
    );
    return { type: 'embedded', connected: true, consumers: stats };
  }
}
