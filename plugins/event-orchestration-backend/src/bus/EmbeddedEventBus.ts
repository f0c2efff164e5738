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
import { listDeadLetters, redriveDeadLetter } from './embedded/deadLetters';
import { DeliveryLoop } from './embedded/deliveryLoop';
import { GroupCommitPublisher } from './embedded/groupCommitPublisher';
import { consumerStats } from './embedded/health';
import { pruneMessages } from './embedded/pruning';

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

/**
 * The default bus: the `EventBus` contract on the Backstage database, so that a
 * newcomer runs everything without a broker. Each published event is one row;
 * each subscriber has one delivery row per event until it acknowledges it.
 * Deliveries are claimed with a lease (an UPDATE guarded by the lease column),
 * so several backend replicas sharing a subscriber name split the work.
 *
 * The bus keeps its `edo_bus_*` tables to itself; the parts are in `embedded/`:
 * publishing, the delivery loop, dead letters, pruning and health.
 */
export class EmbeddedEventBus implements EventBus {
  private readonly options: Required<EmbeddedEventBusOptions>;
  private readonly instanceId = randomUUID();
  /** Wake this process's idle delivery loops when there is new work. */
  private readonly wakers = new Set<() => void>();
  private readonly publisher: GroupCommitPublisher;

  constructor(
    private readonly knex: Knex,
    private readonly logger: LoggerService,
    options: EmbeddedEventBusOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.publisher = new GroupCommitPublisher(knex, () => this.wakeAll());
  }

  private wakeAll() {
    this.wakers.forEach(wake => wake());
  }

  publish(event: OrchestrationEvent): Promise<PublishResult> {
    return this.publisher.publish(event);
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
    const loop = new DeliveryLoop(
      this.knex,
      this.logger,
      this.options,
      this.instanceId,
      name,
      handler,
      options.concurrency ?? 1,
    );
    const waker = () => loop.timer.wake();
    this.wakers.add(waker);
    const subscription = loop.start();
    return {
      close: async () => {
        this.wakers.delete(waker);
        await subscription.close();
      },
    };
  }

  listDeadLetters(
    options: { subscriber?: string; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    return listDeadLetters(this.knex, options);
  }

  async redriveDeadLetter(
    subscriber: string,
    eventId: string,
  ): Promise<DeadLetter | undefined> {
    const redriven = await redriveDeadLetter(this.knex, subscriber, eventId);
    if (redriven) this.wakeAll();
    return redriven;
  }

  /**
   * Deletes messages older than `maxAgeMs` that no subscriber still has to
   * handle, as a JetStream stream's `max_age` does. Returns how many.
   * Run by a scheduled task on one replica (see plugin.ts).
   */
  prune(now = Date.now()): Promise<number> {
    return pruneMessages(
      this.knex,
      new Date(now - this.options.maxAgeMs).toISOString(),
    );
  }

  async health(): Promise<EventBusHealth> {
    return {
      type: 'embedded',
      connected: true,
      consumers: await consumerStats(this.knex),
    };
  }
}
