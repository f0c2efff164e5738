import {
  DeadLetter,
  OrchestrationEvent,
} from '@edo/plugin-event-orchestration-common';

/** Result of publishing one event. @public */
export interface PublishResult {
  /** True when an event with the same id was already on the bus; nothing new was stored. */
  duplicate: boolean;
}

/** Handler of delivered events. Returning acknowledges; throwing asks for redelivery. @public */
export type EventHandler = (
  event: OrchestrationEvent,
  delivery: { attempt: number },
) => Promise<void>;

/** Options of a subscription. @public */
export interface SubscribeOptions {
  /** Only these event types (exact, or a prefix ending in `.*`); default all. */
  eventTypes?: string[];
  /**
   * Handler calls this process runs at once; default 1. Events with the same
   * subject are still handled one after the other, in delivery order.
   */
  concurrency?: number;
}

/** A running subscription. @public */
export interface Subscription {
  /** Stops taking new deliveries and waits for the handler calls in flight. */
  close(): Promise<void>;
}

/** Delivery figures of one subscriber. @public */
export interface ConsumerStats {
  name: string;
  pending: number;
  ackPending: number;
  deadLettered: number;
}

/** Connection state and per-subscriber lag. @public */
export interface EventBusHealth {
  type: 'embedded' | 'nats';
  connected: boolean;
  /** NATS: the JetStream stream holding the events. */
  stream?: string;
  consumers: ConsumerStats[];
}

/**
 * The durable event bus.
 *
 * `publish` resolves only once the event is durable; ids are de-duplicated.
 * `subscribe` delivers every event at least once to each subscriber name; several
 * processes subscribing with the same name share (split) the work.
 *
 * @public
 */
export interface EventBus {
  publish(event: OrchestrationEvent): Promise<PublishResult>;
  subscribe(
    name: string,
    handler: EventHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /**
   * Makes sure the subscriber name exists without consuming: events published
   * from now on are kept for it until a process subscribes with that name. A
   * subscriber only gets events published after its name first existed, so a
   * replica that publishes but does not consume (an ingest-only replica)
   * declares the names the others consume with. Idempotent.
   */
  declareSubscriber(
    name: string,
    options?: Pick<SubscribeOptions, 'eventTypes'>,
  ): Promise<void>;
  health(): Promise<EventBusHealth>;
  /** Dead-lettered events, oldest first, optionally of one subscriber only. */
  listDeadLetters(options?: {
    subscriber?: string;
    limit?: number;
  }): Promise<DeadLetter[]>;
  /**
   * Delivers a dead-lettered event again, to that subscriber only, with a fresh
   * attempt count, and removes it from the dead letters. Returns the dead letter
   * that was re-driven, or undefined when there is none (unknown, or re-driven
   * already).
   */
  redriveDeadLetter(
    subscriber: string,
    eventId: string,
  ): Promise<DeadLetter | undefined>;
}
