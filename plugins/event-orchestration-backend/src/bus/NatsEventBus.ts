import { LoggerService } from '@backstage/backend-plugin-api';
import {
  JetStreamClient,
  JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '../shared/nats/natsConnection';
import {
  DeadLetter,
  OrchestrationEvent,
} from '@edo/plugin-event-orchestration-common';
import {
  EventBus,
  EventBusHealth,
  EventHandler,
  PublishResult,
  SubscribeOptions,
  Subscription,
} from '@edo/plugin-event-orchestration-node';
import { OrderedTaskPool } from './OrderedTaskPool';
import { startConsumeLoop } from './nats/consumeLoop';
import { NatsDeadLetters } from './nats/deadLetters';
import { consumerStats } from './nats/health';
import {
  NatsEventBusOptions,
  ResolvedNatsOptions,
  withDefaults,
} from './nats/options';
import { ensureStream, ensureSubscriberConsumers } from './nats/provisioning';
import { subjectOf } from './nats/subjects';

export type { NatsEventBusOptions } from './nats/options';
export { subjectOf } from './nats/subjects';

/**
 * The production bus on NATS JetStream (nats.js v3), for nats-server 2.9+.
 *
 * One stream holds the events (`edo.events.>`) and the dead letters
 * (`edo.deadletter.<subscriber>`). Each subscriber name is a durable pull
 * consumer shared by every backend process, so processes split the work. A
 * handler that throws is `nak`ed with back-off; on its last allowed delivery
 * the event is copied to the dead-letter subject and terminated. One consumer
 * per subscriber filters at most one subject (2.9 has no `filter_subjects`), so
 * several event types are filtered in the client.
 *
 * This class wires the parts in `nats/`: stream and consumer provisioning, the
 * consume loop, dead letters and health.
 */
export class NatsEventBus implements EventBus {
  private readonly options: ResolvedNatsOptions;
  private readonly deadLetters: NatsDeadLetters;
  private connected = true;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: LoggerService,
    options: NatsEventBusOptions,
  ) {
    this.options = withDefaults(options);
    this.deadLetters = new NatsDeadLetters(js, jsm, this.options, logger);
    (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') this.connected = false;
        if (status.type === 'reconnect') this.connected = true;
        if (status.type === 'disconnect' || status.type === 'reconnect') {
          logger.info(`NATS ${status.type}`);
        }
      }
    })().catch(() => {});
  }

  /** Connects and creates or updates the stream (never deleting data). */
  static async connect(
    options: NatsEventBusOptions,
    logger: LoggerService,
  ): Promise<NatsEventBus> {
    const o = withDefaults(options);
    const nc = await connectNats(o, {
      name: 'backstage-event-orchestration',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      // Otherwise nats.js builds two Error objects (stack traces) per publish in
      // case it times out: 4 % of the webhook path's CPU, for a trace we never read.
      noAsyncTraces: true,
    });
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, o);
    return new NatsEventBus(
      nc,
      jetstream(nc, { timeout: o.publishTimeoutMs }),
      jsm,
      logger,
      options,
    );
  }

  async publish(event: OrchestrationEvent): Promise<PublishResult> {
    const payload = JSON.stringify(event);
    await this.nextWriteTurn();
    const attempt = () =>
      this.js.publish(subjectOf(event.type), payload, {
        msgID: event.id,
        timeout: this.options.publishTimeoutMs,
      });
    try {
      const ack = await attempt();
      return { duplicate: ack.duplicate };
    } catch (error) {
      // A publish in flight while the server restarts may time out although it
      // was stored: one retry with the same msgID is safe (the window drops it).
      if (!/timeout/i.test(String(error))) throw error;
      const ack = await attempt();
      return { duplicate: ack.duplicate };
    }
  }

  private writeTurn?: Promise<void>;

  /**
   * Resolves after the event loop has read every request that was ready (its
   * check phase), the same promise for every publish called until then. nats.js
   * writes to the socket once per microtask drain; publishes called from
   * separate HTTP requests each land in their own drain, one `write` each. Issued
   * together after this turn they share one write, and nats-server reads them in
   * one go. They are issued in call order, so the order per subject holds.
   */
  private nextWriteTurn(): Promise<void> {
    this.writeTurn ??= new Promise(resolve =>
      setImmediate(() => {
        this.writeTurn = undefined;
        resolve();
      }),
    );
    return this.writeTurn;
  }

  async declareSubscriber(
    name: string,
    options: Pick<SubscribeOptions, 'eventTypes'> = {},
  ): Promise<void> {
    await ensureSubscriberConsumers(
      this.jsm,
      this.options,
      name,
      options.eventTypes,
    );
  }

  async subscribe(
    name: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const eventTypes = options.eventTypes;
    const { durable, redriveDurable } = await ensureSubscriberConsumers(
      this.jsm,
      this.options,
      name,
      eventTypes,
    );
    const context = {
      js: this.js,
      options: this.options,
      logger: this.logger,
      deadLetters: this.deadLetters,
      name,
      durable,
      handler,
      eventTypes,
      // One pool for both loops: a re-driven event keeps its subject's order too.
      pool: new OrderedTaskPool(options.concurrency ?? 1),
    };
    const loops = await Promise.all([
      startConsumeLoop(context, durable),
      startConsumeLoop(context, redriveDurable),
    ]);
    return {
      close: async () => {
        await Promise.all(loops.map(loop => loop.close()));
      },
    };
  }

  listDeadLetters(
    options: { subscriber?: string; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    return this.deadLetters.list(options);
  }

  redriveDeadLetter(
    subscriber: string,
    eventId: string,
  ): Promise<DeadLetter | undefined> {
    return this.deadLetters.redrive(subscriber, eventId);
  }

  async health(): Promise<EventBusHealth> {
    return {
      type: 'nats',
      connected: this.connected,
      stream: this.options.stream,
      consumers: this.connected
        ? await consumerStats(this.jsm, this.options.stream)
        : [],
    };
  }

  /** Drains the connection; call on shutdown. */
  async close() {
    await this.nc.drain();
  }
}
