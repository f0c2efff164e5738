import { LoggerService } from '@backstage/backend-plugin-api';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import {
  EventHandler,
  Subscription,
} from '@edo/plugin-event-orchestration-node';
import { Knex } from 'knex';
import { WakeableTimer } from '../../shared/timers/WakeableTimer';
import { OrderedTaskPool, orderingKey } from '../OrderedTaskPool';
import { redeliveryDelay } from '../redeliveryDelay';

/** The settings a delivery loop works with. */
export interface DeliverySettings {
  pollIntervalMs: number;
  ackWaitMs: number;
  maxDeliver: number;
  backoffMs: number[];
  batchSize: number;
}

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
 * One subscriber's loop in this process: fetch due deliveries, claim each with
 * a lease (an UPDATE guarded by the lease column, so replicas sharing the
 * subscriber split the work), run the handler, then delete the delivery or
 * schedule its redelivery. Sleeps on `timer` when idle; a publish wakes it.
 */
export class DeliveryLoop {
  private running = true;
  private readonly pool: OrderedTaskPool;
  /** Handed to the pool, not settled yet. */
  private readonly queued = new Set<number>();
  readonly timer = new WakeableTimer();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly logger: LoggerService,
    private readonly settings: DeliverySettings,
    /** Identifies this process's leases. */
    private readonly instanceId: string,
    private readonly name: string,
    private readonly handler: EventHandler,
    concurrency: number,
  ) {
    this.pool = new OrderedTaskPool(concurrency);
  }

  start(): Subscription {
    this.loop = this.run();
    return {
      close: async () => {
        this.running = false;
        this.timer.wake();
        await this.loop;
        await this.pool.drain();
      },
    };
  }

  private async run() {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.deliverBatch();
        // On SQLite every query completes without waiting on I/O, so without
        // this a backlog is worked through in one event-loop turn and HTTP
        // requests and timers wait for all of it (seconds under load).
        await new Promise(resolve => setImmediate(resolve));
      } catch (error) {
        this.logger.error(
          `Event bus subscriber '${this.name}' could not fetch deliveries: ${error}`,
        );
      }
      if (handled === 0 && this.running) {
        await this.timer.sleep(this.settings.pollIntervalMs);
      }
    }
  }

  /**
   * Fetches the next due deliveries and hands each to the pool, in order; the
   * pool runs them at the subscription's concurrency, and each is claimed (its
   * lease taken) only when its turn comes. Returns how many it handed over.
   */
  private async deliverBatch() {
    const { name, queued } = this;
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
        .limit(this.settings.batchSize + queued.size)
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
      await this.pool.submit(key, () =>
        this.claimAndHandle(seq, Number(candidate.attempts) + 1, parsed)
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
    seq: number,
    attempt: number,
    parsed: ParsedPayload,
  ) {
    const claimedAt = Date.now();
    const claimed = await this.knex('edo_bus_deliveries')
      .where({ consumer: this.name, seq, status: 'pending' })
      .andWhere('available_at', '<=', claimedAt)
      .andWhere(q =>
        q.whereNull('locked_until').orWhere('locked_until', '<', claimedAt),
      )
      .update({
        locked_until: claimedAt + this.settings.ackWaitMs,
        locked_by: this.instanceId,
        attempts: this.knex.raw('attempts + 1'),
      });
    if (claimed !== 1) return; // another process took it, or it is done
    await this.handleDelivery(seq, attempt, parsed);
  }

  /** Runs the handler on one claimed delivery, then acknowledges or schedules a redelivery. */
  private async handleDelivery(
    seq: number,
    attempt: number,
    parsed: ParsedPayload,
  ) {
    const { name, settings } = this;
    try {
      if ('error' in parsed) throw parsed.error;
      await this.handler(parsed.event, { attempt });
      await this.knex('edo_bus_deliveries')
        .where({ consumer: name, seq, locked_by: this.instanceId })
        .delete();
    } catch (error) {
      const dead = attempt >= settings.maxDeliver;
      const backoff = redeliveryDelay(settings.backoffMs, attempt);
      this.logger.warn(
        `Event bus subscriber '${name}' failed on delivery ${attempt} of message ${seq}${
          dead ? ', dead-lettered' : `, redelivery in ${backoff} ms`
        }: ${error}`,
      );
      // A dead row keeps its attempts and error; `available_at` records when it died.
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
}
