import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamClient,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { NatsConnection, connect, nanos } from '@nats-io/transport-node';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import {
  EventBus,
  EventBusHealth,
  EventHandler,
  PublishResult,
  SubscribeOptions,
  Subscription,
} from '@edo/plugin-event-orchestration-node';

/** Settings of the NATS JetStream bus, `eventOrchestration.bus.nats`. */
export interface NatsEventBusOptions {
  servers: string[];
  /** Stream name; default EVENT_ORCHESTRATION. */
  stream?: string;
  /** Oldest event kept, ms; default 7 days. */
  maxAgeMs?: number;
  /** Largest stream size, bytes; default unlimited (-1). */
  maxBytes?: number;
  /** Window in which a re-published id is dropped, ms; default 2 minutes. */
  duplicateWindowMs?: number;
  token?: string;
  user?: string;
  pass?: string;
  /** Deliveries before an event is dead-lettered; default 5. */
  maxDeliver?: number;
  /** Redelivery delays after failures, ms (the last repeats). */
  backoffMs?: number[];
  /** How long a delivery may stay unacknowledged, ms; default 60 s. */
  ackWaitMs?: number;
  /** Messages fetched at once per subscriber and process; default 10. */
  batchSize?: number;
  /** Unacknowledged messages per subscriber across all processes; default 1000. */
  maxAckPending?: number;
  /** A publish that the server has not acknowledged by then fails; default 5 s. */
  publishTimeoutMs?: number;
}

const DEFAULTS = {
  stream: 'EVENT_ORCHESTRATION',
  maxAgeMs: 7 * 24 * 3600_000,
  maxBytes: -1,
  duplicateWindowMs: 2 * 60_000,
  maxDeliver: 5,
  backoffMs: [1_000, 5_000, 30_000, 120_000],
  ackWaitMs: 60_000,
  batchSize: 10,
  maxAckPending: 1000,
  publishTimeoutMs: 5_000,
};

/** Options over defaults; an option given as `undefined` (not configured) keeps the default. */
function withDefaults(options: NatsEventBusOptions): typeof DEFAULTS & NatsEventBusOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...DEFAULTS, ...given } as typeof DEFAULTS & NatsEventBusOptions;
}

const EVENTS_PREFIX = 'edo.events';
const DEAD_LETTER_PREFIX = 'edo.deadletter';

/** Subjects carry the type's dots as tokens: `edo.events.alertmanager.alert`. */
export function subjectOf(type: string) {
  return `${EVENTS_PREFIX}.${type}`;
}

/** Durable names allow letters, digits, `-` and `_` only. */
function durableName(name: string) {
  return `edo_${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function typeMatches(type: string, patterns: string[] | undefined) {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some(p => (p.endsWith('.*') ? type.startsWith(p.slice(0, -1)) : p === type));
}

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
 */
export class NatsEventBus implements EventBus {
  private readonly options: typeof DEFAULTS & NatsEventBusOptions;
  private connected = true;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: LoggerService,
    options: NatsEventBusOptions,
  ) {
    this.options = withDefaults(options);
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
  static async connect(options: NatsEventBusOptions, logger: LoggerService): Promise<NatsEventBus> {
    const o = withDefaults(options);
    const nc = await connect({
      servers: o.servers,
      name: 'backstage-event-orchestration',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      ...(o.token ? { token: o.token } : {}),
      ...(o.user ? { user: o.user, pass: o.pass } : {}),
    });
    const jsm = await jetstreamManager(nc);
    const config = {
      subjects: [`${EVENTS_PREFIX}.>`, `${DEAD_LETTER_PREFIX}.>`],
      max_age: nanos(o.maxAgeMs),
      max_bytes: o.maxBytes,
      duplicate_window: nanos(Math.min(o.duplicateWindowMs, o.maxAgeMs)),
    };
    try {
      await jsm.streams.info(o.stream);
      await jsm.streams.update(o.stream, config);
    } catch (error) {
      if (!/stream not found/i.test(String(error))) throw error;
      await jsm.streams.add({
        name: o.stream,
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        ...config,
      });
    }
    return new NatsEventBus(nc, jetstream(nc, { timeout: o.publishTimeoutMs }), jsm, logger, options);
  }

  async publish(event: OrchestrationEvent): Promise<PublishResult> {
    const payload = JSON.stringify(event);
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

  private async ensureConsumer(name: string, eventTypes?: string[]) {
    const durable = durableName(name);
    const single = eventTypes?.length === 1 && !eventTypes[0].endsWith('.*') ? eventTypes[0] : undefined;
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: single ? subjectOf(single) : `${EVENTS_PREFIX}.>`,
      max_deliver: this.options.maxDeliver,
      ack_wait: nanos(this.options.ackWaitMs),
      max_ack_pending: this.options.maxAckPending,
    };
    try {
      await this.jsm.consumers.info(this.options.stream, durable);
      await this.jsm.consumers.update(this.options.stream, durable, {
        filter_subject: config.filter_subject,
        max_deliver: config.max_deliver,
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
      });
    } catch (error) {
      if (!/consumer not found/i.test(String(error))) throw error;
      await this.jsm.consumers.add(this.options.stream, config);
    }
    return durable;
  }

  async subscribe(name: string, handler: EventHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    const durable = await this.ensureConsumer(name, options.eventTypes);
    const consumer = await this.js.consumers.get(this.options.stream, durable);
    let running = true;
    let messages = await consumer.consume({ max_messages: this.options.batchSize });
    const loop = (async () => {
      while (running) {
        try {
          for await (const m of messages) {
            const attempt = m.info.deliveryCount;
            let event: OrchestrationEvent;
            try {
              event = m.json<OrchestrationEvent>();
            } catch {
              m.term();
              continue;
            }
            if (!typeMatches(event.type, options.eventTypes)) {
              m.ack();
              continue;
            }
            try {
              await handler(event, { attempt });
              m.ack();
            } catch (error) {
              if (attempt >= this.options.maxDeliver) {
                this.logger.warn(`Subscriber '${name}' gave up on event ${event.id} after ${attempt} deliveries: ${error}`);
                await this.js
                  .publish(`${DEAD_LETTER_PREFIX}.${durable}`, m.data, {
                    msgID: `${durable}:${event.id}`,
                    headers: undefined,
                  })
                  .catch(e => this.logger.error(`Could not dead-letter ${event.id}: ${e}`));
                // 2.9 ignores a term with a reason: terminate without one.
                m.term();
              } else {
                const delay = this.options.backoffMs[Math.min(attempt - 1, this.options.backoffMs.length - 1)];
                this.logger.warn(`Subscriber '${name}' failed on delivery ${attempt} of ${event.id}, redelivery in ${delay} ms: ${error}`);
                m.nak(delay);
              }
            }
            if (!running) break;
          }
        } catch (error) {
          this.logger.warn(`Subscriber '${name}' lost its consumer, resuming: ${error}`);
        }
        // Consuming again may fail while the server is still away: keep trying.
        while (running) {
          await new Promise(r => setTimeout(r, 1000));
          if (!running) break;
          try {
            messages = await consumer.consume({ max_messages: this.options.batchSize });
            // close() may have come while consume() was in flight.
            if (!running) await messages.close();
            break;
          } catch (error) {
            this.logger.warn(`Subscriber '${name}' cannot consume yet: ${error}`);
          }
        }
      }
    })();
    return {
      close: async () => {
        running = false;
        // Close while the loop runs (see NATS-NOTES), then wait for it to end.
        await messages.close();
        await loop;
      },
    };
  }

  async health(): Promise<EventBusHealth> {
    const consumers: EventBusHealth['consumers'] = [];
    if (this.connected) {
      for await (const info of this.jsm.consumers.list(this.options.stream)) {
        const durable = info.config.durable_name ?? info.name;
        if (!durable.startsWith('edo_')) continue;
        let deadLettered = 0;
        try {
          const subject = `${DEAD_LETTER_PREFIX}.${durable}`;
          const stream = await this.jsm.streams.info(this.options.stream, { subjects_filter: subject });
          deadLettered = Number(stream.state.subjects?.[subject] ?? 0);
        } catch {
          deadLettered = 0;
        }
        consumers.push({
          name: durable.slice(4),
          pending: info.num_pending,
          ackPending: info.num_ack_pending,
          deadLettered,
        });
      }
    }
    return { type: 'nats', connected: this.connected, stream: this.options.stream, consumers };
  }

  /** Drains the connection; call on shutdown. */
  async close() {
    await this.nc.drain();
  }
}
