import { createHash } from 'node:crypto';
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
import {
  MsgHdrs,
  NatsConnection,
  headers,
  nanos,
} from '@nats-io/transport-node';
import {
  NatsConnectionSettings,
  connectNats,
} from '../shared/nats/natsConnection';
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
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { OrderedTaskPool, orderingKey } from './OrderedTaskPool';
import { eventTypeMatches } from '../shared/eventTypes';
import { sleep } from '../shared/timers/sleep';

/** Settings of the NATS JetStream bus, `eventOrchestration.bus.nats`. */
export interface NatsEventBusOptions extends NatsConnectionSettings {
  /** Stream name; default EVENT_ORCHESTRATION. */
  stream?: string;
  /** Oldest event kept, ms; default 7 days. */
  maxAgeMs?: number;
  /** Largest stream size, bytes; default unlimited (-1). */
  maxBytes?: number;
  /** Window in which a re-published id is dropped, ms; default 2 minutes. */
  duplicateWindowMs?: number;
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
function withDefaults(
  options: NatsEventBusOptions,
): typeof DEFAULTS & NatsEventBusOptions {
  const given = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  );
  return { ...DEFAULTS, ...given } as typeof DEFAULTS & NatsEventBusOptions;
}

const EVENTS_PREFIX = 'edo.events';
const DEAD_LETTER_PREFIX = 'edo.deadletter';
/**
 * Re-driven dead letters go to `edo.redrive.<durable>`, read by a second durable
 * per subscriber (`edor_<name>`): nats-server 2.9 lets a consumer filter one
 * subject only, so the subscriber's own consumer cannot also take them.
 */
const REDRIVE_PREFIX = 'edo.redrive';
/** Headers of a dead-letter copy: what the bus knew when it gave up. */
const HEADER_SUBSCRIBER = 'Edo-Subscriber';
const HEADER_ATTEMPTS = 'Edo-Attempts';
const HEADER_LAST_ERROR = 'Edo-Last-Error';

/** Subjects carry the type's dots as tokens: `edo.events.alertmanager.alert`. */
export function subjectOf(type: string) {
  return `${EVENTS_PREFIX}.${type}`;
}

/** Durable names allow letters, digits, `-` and `_` only. */
function durableName(name: string) {
  return `edo_${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/**
 * Where a subscriber's dead letter of one event is kept:
 * `edo.deadletter.<durable>.<hash of the event id>`, so a re-drive reads that
 * event's copies only. Copies made before this layout sit on
 * `edo.deadletter.<durable>` itself (`legacy`) and are still listed and re-driven.
 */
function deadLetterSubjects(subscriber: string) {
  const legacy = `${DEAD_LETTER_PREFIX}.${durableName(subscriber)}`;
  return {
    legacy,
    all: `${legacy}.>`,
    of: (eventId: string) =>
      `${legacy}.${createHash('sha256')
        .update(eventId)
        .digest('hex')
        .slice(0, 32)}`,
  };
}

function redriveDurableName(name: string) {
  return `edor_${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** A dead-letter copy as stored in the stream. */
interface StoredDeadLetter {
  seq: number;
  data: Uint8Array;
  deadLetter: DeadLetter;
}

/** A delivered message's event, or undefined when it is not JSON. */
function parseMessage(m: JsMsg): OrchestrationEvent | undefined {
  try {
    return m.json<OrchestrationEvent>();
  } catch {
    return undefined;
  }
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
    const config = {
      subjects: [
        `${EVENTS_PREFIX}.>`,
        `${DEAD_LETTER_PREFIX}.>`,
        `${REDRIVE_PREFIX}.>`,
      ],
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

  private async ensureConsumer(durable: string, filterSubject: string) {
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: filterSubject,
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

  async declareSubscriber(
    name: string,
    options: Pick<SubscribeOptions, 'eventTypes'> = {},
  ): Promise<void> {
    await this.ensureConsumers(name, options.eventTypes);
  }

  /** The subscriber's durable consumer (new messages from its creation on) and its re-drive consumer. */
  private async ensureConsumers(name: string, eventTypes?: string[]) {
    const single =
      eventTypes?.length === 1 && !eventTypes[0].endsWith('.*')
        ? eventTypes[0]
        : undefined;
    const durable = await this.ensureConsumer(
      durableName(name),
      single ? subjectOf(single) : `${EVENTS_PREFIX}.>`,
    );
    const redriveDurable = await this.ensureConsumer(
      redriveDurableName(name),
      `${REDRIVE_PREFIX}.${durable}`,
    );
    return { durable, redriveDurable };
  }

  async subscribe(
    name: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const eventTypes = options.eventTypes;
    const { durable, redriveDurable } = await this.ensureConsumers(
      name,
      eventTypes,
    );
    // One pool for both loops: a re-driven event keeps its subject's order too.
    const pool = new OrderedTaskPool(options.concurrency ?? 1);
    const loops = await Promise.all([
      this.consumeLoop(name, durable, durable, handler, eventTypes, pool),
      this.consumeLoop(
        name,
        durable,
        redriveDurable,
        handler,
        eventTypes,
        pool,
      ),
    ]);
    return {
      close: async () => {
        await Promise.all(loops.map(loop => loop.close()));
      },
    };
  }

  /**
   * Handles the messages of one durable consumer until closed. `durable` names
   * the subscriber's dead-letter subject; `consumerName` the consumer read.
   */
  private async consumeLoop(
    name: string,
    durable: string,
    consumerName: string,
    handler: EventHandler,
    eventTypes: string[] | undefined,
    pool: OrderedTaskPool,
  ): Promise<{ close(): Promise<void> }> {
    const consumer: Consumer = await this.js.consumers.get(
      this.options.stream,
      consumerName,
    );
    let running = true;
    let messages = await consumer.consume({
      max_messages: this.options.batchSize,
    });
    const loop = (async () => {
      while (running) {
        try {
          for await (const m of messages) {
            // Parsed once: the ordering key (see OrderedTaskPool) and the handler use it.
            const event = parseMessage(m);
            await pool.submit(event ? orderingKey(event) : `seq:${m.seq}`, () =>
              this.handleMessage(
                name,
                durable,
                m,
                event,
                handler,
                eventTypes,
              ).catch(error =>
                this.logger.warn(
                  `Subscriber '${name}' could not settle message ${m.seq}: ${error}`,
                ),
              ),
            );
            if (!running) break;
          }
        } catch (error) {
          this.logger.warn(
            `Subscriber '${name}' lost its consumer, resuming: ${error}`,
          );
        }
        // Consuming again may fail while the server is still away: keep trying.
        while (running) {
          await sleep(1000);
          if (!running) break;
          try {
            messages = await consumer.consume({
              max_messages: this.options.batchSize,
            });
            // close() may have come while consume() was in flight.
            if (!running) await messages.close();
            break;
          } catch (error) {
            this.logger.warn(
              `Subscriber '${name}' cannot consume yet: ${error}`,
            );
          }
        }
      }
    })();
    return {
      close: async () => {
        running = false;
        // Close while the loop runs (see NATS-NOTES), then wait for it to end
        // and for the handler calls still running to ack or nak.
        await messages.close();
        await loop;
        await pool.drain();
      },
    };
  }

  private async handleMessage(
    name: string,
    durable: string,
    m: JsMsg,
    event: OrchestrationEvent | undefined,
    handler: EventHandler,
    eventTypes: string[] | undefined,
  ) {
    const attempt = m.info.deliveryCount;
    if (!event) {
      m.term(); // not JSON: no delivery can help
      return;
    }
    if (!eventTypeMatches(event.type, eventTypes)) {
      m.ack();
      return;
    }
    try {
      await handler(event, { attempt });
      m.ack();
    } catch (error) {
      if (attempt >= this.options.maxDeliver) {
        this.logger.warn(
          `Subscriber '${name}' gave up on event ${event.id} after ${attempt} deliveries: ${error}`,
        );
        const h = headers();
        h.set(HEADER_SUBSCRIBER, name);
        h.set(HEADER_ATTEMPTS, String(attempt));
        // Header values are one line of printable text.
        h.set(
          HEADER_LAST_ERROR,
          String(error)
            .replace(/[^\x20-\x7e]+/g, ' ')
            .slice(0, 1000),
        );
        await this.js
          .publish(deadLetterSubjects(name).of(event.id), m.data, {
            // The message's own sequence: a re-driven event that fails again is
            // dead-lettered again, inside the duplicate window too.
            msgID: `${durable}:${event.id}:${m.seq}`,
            headers: h,
          })
          .catch(e =>
            this.logger.error(`Could not dead-letter ${event.id}: ${e}`),
          );
        // 2.9 ignores a term with a reason: terminate without one.
        m.term();
      } else {
        const delay =
          this.options.backoffMs[
            Math.min(attempt - 1, this.options.backoffMs.length - 1)
          ];
        this.logger.warn(
          `Subscriber '${name}' failed on delivery ${attempt} of ${event.id}, redelivery in ${delay} ms: ${error}`,
        );
        m.nak(delay);
      }
    }
  }

  /**
   * Reads the dead-letter copies under `filter` with an ordered (ephemeral)
   * consumer; the stream's per-subject counts say how many to wait for.
   */
  private async readDeadLetters(
    filter: string,
    limit: number,
  ): Promise<StoredDeadLetter[]> {
    const info = await this.jsm.streams.info(this.options.stream, {
      subjects_filter: filter,
    });
    const total = Object.values(info.state.subjects ?? {}).reduce(
      (sum, n) => sum + Number(n),
      0,
    );
    const wanted = Math.min(total, limit);
    if (wanted === 0) return [];
    const consumer = await this.js.consumers.get(this.options.stream, {
      filter_subjects: filter,
    });
    const found: StoredDeadLetter[] = [];
    try {
      while (found.length < wanted) {
        const batch = await consumer.fetch({
          max_messages: wanted - found.length,
          expires: 2000,
        });
        let got = 0;
        for await (const m of batch) {
          got++;
          found.push(this.toStoredDeadLetter(m));
        }
        // Fewer than counted: some were removed (re-driven) meanwhile.
        if (got === 0) break;
      }
    } finally {
      await consumer.delete().catch(() => false);
    }
    return found;
  }

  private toStoredDeadLetter(m: JsMsg): StoredDeadLetter {
    const h: MsgHdrs | undefined = m.headers;
    let event: Partial<OrchestrationEvent> = {};
    try {
      event = m.json<OrchestrationEvent>();
    } catch {
      event = {};
    }
    const attempts = Number(h?.get(HEADER_ATTEMPTS) || NaN);
    const lastError = h?.get(HEADER_LAST_ERROR);
    // `edo.deadletter.<durable>[.<event hash>]`: durable names hold no dots.
    const durable = m.subject
      .slice(DEAD_LETTER_PREFIX.length + 1)
      .split('.')[0];
    return {
      seq: m.seq,
      data: m.data,
      deadLetter: {
        // The name as /health shows it (durable names are the sanitized name).
        subscriber: durable.slice('edo_'.length),
        eventId: String(event.id ?? ''),
        eventType: String(event.type ?? ''),
        ...(event.subject ? { subject: event.subject } : {}),
        ...(Number.isFinite(attempts) ? { attempts } : {}),
        ...(lastError ? { lastError } : {}),
        deadLetteredAt: m.time.toISOString(),
      },
    };
  }

  async listDeadLetters(
    options: { subscriber?: string; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const limit = options.limit ?? 500;
    if (options.subscriber === undefined) {
      return (await this.readDeadLetters(`${DEAD_LETTER_PREFIX}.>`, limit)).map(
        d => d.deadLetter,
      );
    }
    // nats-server 2.9 filters one subject per consumer: the per-event subjects
    // and the legacy one are read apart, then merged in stream order.
    const subjects = deadLetterSubjects(options.subscriber);
    const found = [
      ...(await this.readDeadLetters(subjects.all, limit)),
      ...(await this.readDeadLetters(subjects.legacy, limit)),
    ];
    return found
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map(d => d.deadLetter);
  }

  async redriveDeadLetter(
    subscriber: string,
    eventId: string,
  ): Promise<DeadLetter | undefined> {
    const durable = durableName(subscriber);
    const subjects = deadLetterSubjects(subscriber);
    // This event's own subject holds its copies (one per time it died); only
    // copies from before that layout need the scan of the legacy subject.
    const copies = [
      ...(await this.readDeadLetters(subjects.of(eventId), 1_000)),
      ...(await this.readDeadLetters(subjects.legacy, 10_000)).filter(
        d => d.deadLetter.eventId === eventId,
      ),
    ].sort((a, b) => a.seq - b.seq);
    if (copies.length === 0) return undefined;
    const [first] = copies;
    // The re-drive consumer normally exists since the subscriber subscribed;
    // made here too so a re-drive is never published where nobody reads it.
    await this.ensureConsumer(
      redriveDurableName(subscriber),
      `${REDRIVE_PREFIX}.${durable}`,
    );
    // The msgID makes a concurrent second re-drive of this copy a duplicate.
    await this.js.publish(`${REDRIVE_PREFIX}.${durable}`, first.data, {
      msgID: `redrive:${durable}:${first.seq}`,
      timeout: this.options.publishTimeoutMs,
    });
    // Only whoever removes the copy re-drove it; the other finds nothing.
    let removed = false;
    for (const copy of copies) {
      if (
        await this.jsm.streams
          .deleteMessage(this.options.stream, copy.seq, false)
          .catch(() => false)
      ) {
        removed = true;
      }
    }
    return removed ? first.deadLetter : undefined;
  }

  async health(): Promise<EventBusHealth> {
    const consumers: EventBusHealth['consumers'] = [];
    if (this.connected) {
      for await (const info of this.jsm.consumers.list(this.options.stream)) {
        const durable = info.config.durable_name ?? info.name;
        if (!durable.startsWith('edo_')) continue;
        let deadLettered = 0;
        try {
          // `edo.deadletter.<durable>` (legacy) and every `edo.deadletter.<durable>.<event>`.
          const stream = await this.jsm.streams.info(this.options.stream, {
            subjects_filter: `${DEAD_LETTER_PREFIX}.${durable}.>`,
          });
          const legacy = await this.jsm.streams.info(this.options.stream, {
            subjects_filter: `${DEAD_LETTER_PREFIX}.${durable}`,
          });
          deadLettered = [stream, legacy]
            .flatMap(found => Object.values(found.state.subjects ?? {}))
            .reduce((sum: number, n) => sum + Number(n), 0);
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
    return {
      type: 'nats',
      connected: this.connected,
      stream: this.options.stream,
      consumers,
    };
  }

  /** Drains the connection; call on shutdown. */
  async close() {
    await this.nc.drain();
  }
}
